import net from 'node:net';
import t from 'tap';
import { sum } from '../../src/aggregators/builtins.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';
import { MSinkGraphite } from '../../src/sinks/MSinkGraphite.js';
import { MSinkInflux } from '../../src/sinks/MSinkInflux.js';
import { runExitFixture } from '../helpers/exitFixture.js';
import {
  endSink,
  type SinkCase,
  scenarioCoordinator,
  scenarioDownAtStart,
  scenarioRestart,
  scenarioSlow,
  startVm,
} from '../helpers/tsdbScenarios.js';
import { freePort, vmSkipReason } from '../helpers/victoriaMetrics.js';

const skip = vmSkipReason();

const graphite: SinkCase = {
  make: (ports, options) => new MSinkGraphite({ port: ports.graphite, ...options }),
  port: (ports) => ports.graphite,
  makeAt: (port, options) => new MSinkGraphite({ port, ...options }),
  // Whitespace and `;` become `_` (also a leading `~` in values); `,` and `=` are plain characters.
  metric: {
    'http requests.sum': 'http_requests.sum',
    'http requests.count': 'http_requests.count',
    'latency,ms.mean': 'latency,ms.mean',
    'latency,ms.max': 'latency,ms.max',
    'temp=room.last': 'temp=room.last',
  },
  labels: [
    { dc: 'eu', host: 'web-1' },
    { host_name: 'web_2,eu=west', path: 'C:\\temp\\', quote: 'say_"hi"', ü: 'ñ_~x' },
  ],
  resolutionMs: 1000,
  acknowledged: false,
};

/** A local carbon-like server: reads each connection to its end, then closes it. */
async function carbon(t: { teardown(fn: () => unknown): void }): Promise<{ port: number; connections: string[] }> {
  const connections: string[] = [];
  const server = net.createServer((socket) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.on('end', () => {
      connections.push(text);
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, connections };
}

t.test('MSinkGraphite: invalid options throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  for (const options of [
    null,
    { host: '' },
    { host: 5 },
    { port: -1 },
    { port: 70_000 },
    { port: '2003' },
    { batchSize: 0 },
  ]) {
    t.throws(() => new MSinkGraphite(options as never), { code: ErrorCode.INVALID_ARGUMENT }, JSON.stringify(options));
  }
});

t.test('MSinkGraphite: timestamps are whole seconds: timeResolutionMs is 1000', async (t) => {
  t.equal(new MSinkGraphite().timeResolutionMs, 1000);
});

t.test('MSinkGraphite: one connection per batch, tagged lines, seconds truncated', async (t) => {
  const srv = await carbon(t);
  const sink = new MSinkGraphite({ port: srv.port, batchSize: 2 });
  sink.write(new MElement('a b', 1.5, { tags: { 'k;1': 'v w', z: '~q' }, time: 1_700_000_000_999 }));
  sink.write(new MElement('c', 2, { time: 1_700_000_001_000 }));
  sink.write(new MElement('c', 3, { time: 1_700_000_002_500 }));
  await endSink(sink);
  t.same(srv.connections, ['a_b;k_1=v_w;z=_q 1.5 1700000000\nc 2 1700000001\n', 'c 3 1700000002\n']);
  t.equal(sink.sentCount, 3);
});

t.test(
  'MSinkGraphite: a batch whose connection fails before the orderly close is sent again whole (at-least-once)',
  async (t) => {
    // The first connection is read to its end and then reset instead of closed: the server has the
    // lines, the client cannot know it. The documented outcome is a resend: the lines arrive twice.
    const received: string[] = [];
    let connection = 0;
    const server = net.createServer((socket) => {
      const n = ++connection;
      let text = '';
      socket.on('data', (c: Buffer) => (text += c));
      socket.on('end', () => {
        received.push(text);
        if (n === 1) socket.resetAndDestroy();
        else socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => server.close());
    const sink = new MSinkGraphite({
      port: (server.address() as net.AddressInfo).port,
      retry: { initialDelayMs: 1, jitter: 0 },
    });
    sink.write(new MElement('a', 1, { time: 1_700_000_000_000 }));
    sink.write(new MElement('b', 2, { time: 1_700_000_000_000 }));
    await endSink(sink);
    t.same(received, ['a 1 1700000000\nb 2 1700000000\n', 'a 1 1700000000\nb 2 1700000000\n']);
    t.equal(sink.retryCount, 1);
    t.equal(sink.sentCount, 2, 'acknowledged once');
  },
);

t.test('MSinkGraphite: through an MCoordinator, a window shorter than a second warns once', async (t) => {
  const warnings: Array<{ code?: string; message: string }> = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(w);
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const port = await freePort();
  const mc = new MCoordinator({
    mstreams: [
      new MStream('fast', { agg: sum, windowSize: 0.5 }),
      new MStream('slow', { agg: sum, windowSize: 1 }),
      new MStream('counted', { agg: sum, batchSize: 10 }),
    ],
    msinks: [new MSinkGraphite({ port }), new MSinkInflux({ url: `http://127.0.0.1:${port}` })],
  });
  mc.addMStream(new MStream('faster', { agg: sum, windowSize: 0.1 }));
  await mc.close();
  await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  const ours = warnings.filter((w) => w.code === MCoordinator.WINDOW_BELOW_RESOLUTION);
  t.equal(ours.length, 2, 'one warning per short stream for the Graphite sink; none for Influx (ms)');
  t.match(ours[0]?.message, /"fast" has windowSize 0.5 s, shorter than the 1000 ms time resolution .*MSinkGraphite/);
  t.match(ours[1]?.message, /"faster"/);
});

t.test('MSinkGraphite: several streams through an MCoordinator arrive exactly once in VictoriaMetrics', { skip }, (t) =>
  scenarioCoordinator(t, graphite),
);

t.test('MSinkGraphite: the backend down at start and up later: everything arrives once', { skip }, (t) =>
  scenarioDownAtStart(t, graphite),
);

t.test(
  'MSinkGraphite: the backend stopped and restarted mid-stream: at most the batch in flight doubled or lost',
  { skip },
  (t) => scenarioRestart(t, graphite),
);

t.test('MSinkGraphite: a slow backend: backpressure, bounded in-flight, everything once', { skip }, (t) =>
  scenarioSlow(t, graphite),
);

t.test('MSinkGraphite: a program that ends its sink exits on its own, with nothing left open', { skip }, async (t) => {
  const vm = await startVm(t);
  const r = await runExitFixture(['graphite', String(vm.ports.graphite)]);
  t.equal(r.code, 0, r.stderr);
  t.ok(r.lingerMs < 3000, `exited ${r.lingerMs} ms after its last output`);
  t.match(r.stdout, /sent 50/);
});

t.test('MSinkGraphite: a program whose backend is down exits once the retries run out', async (t) => {
  const r = await runExitFixture(['graphite', String(await freePort())]);
  t.equal(r.code, 0, r.stderr);
  t.ok(r.lingerMs < 3000, `exited ${r.lingerMs} ms after its last output`);
  t.match(r.stdout, /error ERR_METRIX_BACKEND_UNAVAILABLE/);
});
