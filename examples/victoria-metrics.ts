// Sends aggregated metrics to a VictoriaMetrics on this machine, over two of its protocols
// (Influx line protocol and Graphite), then reads them back through its export API.
//
// Start a VictoriaMetrics first (Debian: apt-get install victoria-metrics):
//   victoria-metrics -storageDataPath=/tmp/vm-example -retentionPeriod=100y \
//     -httpListenAddr=127.0.0.1:8428 -graphiteListenAddr=127.0.0.1:2003
// Run: npx tsx examples/victoria-metrics.ts   (VM_URL and VM_GRAPHITE_PORT override the defaults)
// With nothing listening it says how to start one and exits 0.
import net from 'node:net';
import {
  count,
  MCoordinator,
  MSinkGraphite,
  MSinkInflux,
  type MSinkNetwork,
  MStream,
  max,
  mean,
} from '../src/index.js';

const url = process.env.VM_URL ?? 'http://127.0.0.1:8428';
const graphitePort = Number(process.env.VM_GRAPHITE_PORT ?? 2003);

async function reachable(): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

if (!(await reachable())) {
  console.log(`No VictoriaMetrics answers at ${url}. Start one with:
  victoria-metrics -storageDataPath=/tmp/vm-example -retentionPeriod=100y \\
    -httpListenAddr=127.0.0.1:8428 -graphiteListenAddr=127.0.0.1:${graphitePort}
(Debian: apt-get install victoria-metrics), then run this example again.`);
  process.exit(0);
}

// Influx over HTTP keeps milliseconds; Graphite over TCP keeps whole seconds. Both sinks batch,
// retry with backoff, and push back when the server is slow.
const sinks: MSinkNetwork[] = [new MSinkInflux({ url, db: 'example' })];
if (await listens(graphitePort)) sinks.push(new MSinkGraphite({ port: graphitePort }));
else console.log(`(no Graphite listener on 127.0.0.1:${graphitePort}: Influx only)`);

const mc = new MCoordinator({
  mstreams: [
    new MStream('example.requests', { agg: count, batchSize: 5 }),
    new MStream('example.latency', { agg: { mean, max }, batchSize: 5 }),
  ],
  msinks: sinks,
});

// Explicit times, one second apart, ending now: each batch is stamped with its last element's time.
const start = Math.floor(Date.now() / 1000) * 1000 - 20_000;
for (let i = 0; i < 20; i++) {
  const route = i % 2 === 0 ? '/home' : '/search results';
  mc.send('example.requests', 1, { tags: { route }, time: start + i * 1000 });
  mc.send('example.latency', 20 + ((i * 7) % 11), { tags: { route }, time: start + i * 1000 });
}
await mc.close(); // flushes the streams, then every sink sends what it holds and waits for the server
console.log(`sent: ${sinks.map((s) => `${s} ${s.sentCount} elements`).join(', ')}`);

// Read back: force a flush so that the data is searchable now, then export the raw samples.
await (await fetch(`${url}/internal/force_flush`)).arrayBuffer();
await new Promise((r) => setTimeout(r, 200));
const query = new URLSearchParams({
  'match[]': '{__name__=~"example\\\\..*"}',
  start: String(start / 1000 - 1),
  end: String(Date.now() / 1000 + 1),
});
const exported = await (await fetch(`${url}/api/v1/export?${query}`)).text();
for (const line of exported.trim().split('\n').sort()) {
  const { metric, values } = JSON.parse(line) as { metric: Record<string, string>; values: number[] };
  console.log(`${JSON.stringify(metric)}: ${values.join(', ')}`);
}
