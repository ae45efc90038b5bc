// parseStatsD + statsdAggregations against the real Etsy StatsD daemon (npm statsd@0.9.0): the same
// packets go to the daemon and through our parser; what the daemon reports for one flush must
// equal what our aggregations give over the same values. The daemon is installed on first use
// into a temporary folder (`npm install --omit=optional statsd@0.9.0`), never into the project.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { MElement } from '../../src/MElement.js';
import { MStream } from '../../src/MStream.js';
import { parseStatsD, type StatsDElement } from '../../src/parsers/parseStatsD.js';
import { statsdAggregations } from '../../src/parsers/statsdAggregations.js';
import { freeUdpPort, installStatsD, STATSD_DIR, STATSD_JS } from '../helpers/statsdDaemon.js';
import { freePort } from '../helpers/victoriaMetrics.js';

const DIR = STATSD_DIR;
const STATS_JS = STATSD_JS;
const FLUSH_MS = 2000;

/** The daemon's view of one flush, as our backend prints it. */
interface Flush {
  counters: Record<string, number>;
  counter_rates: Record<string, number>;
  timer_data: Record<string, Record<string, number>>;
  gauges: Record<string, number>;
}

// Values with several ranks so that percentiles are not trivially the maximum.
const LINES = [
  ...[7, 14, 3, 19, 1, 12, 20, 5, 16, 9, 11, 2, 18, 6, 13, 4, 17, 8, 15, 10].map((v) => `lat:${v * 10}|ms`),
  ...[12, 7, 30].map((v) => `api:${v}|ms|#route:a`),
  'hits:1|c',
  'hits:2|c|@0.5',
  'hits:3|c|@0.1',
  'hits:5|c',
  'temp:20|g',
  'temp:-3|g',
  'temp:+1.5|g',
  'sampled:40|ms|@0.5',
  'sampled:10|ms|@0.5',
];
// The daemon's key for each of our (name, tags): DogStatsD tags become `;k=v` in its key.
const KEYS: Record<string, string> = { lat: 'lat', api: 'api;route=a', hits: 'hits', temp: 'temp', sampled: 'sampled' };

/** Our side: parse the lines, one MStream per name with the daemon's aggregations, one batch each. */
async function ours(): Promise<Map<string, number>> {
  const parser = parseStatsD();
  parser.end(LINES.join('\n'));
  const byName = new Map<string, StatsDElement[]>();
  for await (const el of parser) {
    const e = el as StatsDElement;
    byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  }
  const out = new Map<string, number>();
  for (const [name, elements] of byName) {
    const type = (elements[0] as StatsDElement).type;
    const agg = statsdAggregations(type, { windowSize: FLUSH_MS / 1000, percentiles: [90, 99] });
    const mstream = new MStream(name, { agg, batchSize: elements.length });
    mstream.on('data', (el: MElement) => out.set(el.name, el.value));
    for (const e of elements) mstream.write(e);
    await mstream.close();
  }
  return out;
}

const skip = await installStatsD();

t.test('parseStatsD: the daemon reports what statsdAggregations computes', { skip }, async (t) => {
  const udp = await freeUdpPort();
  const mgmt = await freePort();
  const backend = join(DIR, 'printBackend.js');
  writeFileSync(
    backend,
    `exports.init = function (startup, config, events) {
  events.on('flush', function (ts, m) {
    process.stdout.write(JSON.stringify({ counters: m.counters, counter_rates: m.counter_rates, timer_data: m.timer_data, gauges: m.gauges }) + '\\n');
  });
  return true;
};\n`,
  );
  const config = join(DIR, `config-${process.pid}.js`);
  writeFileSync(
    config,
    `{ port: ${udp}, address: '127.0.0.1', mgmt_port: ${mgmt}, mgmt_address: '127.0.0.1', flushInterval: ${FLUSH_MS},
  percentThreshold: [90, 99], backends: [${JSON.stringify(backend)}], deleteIdleStats: true }\n`,
  );
  const daemon: ChildProcess = spawn(process.execPath, [STATS_JS, config], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });
  let buffered = '';
  const flushes: Flush[] = [];
  const waiters: (() => void)[] = [];
  daemon.stdout?.on('data', (d: Buffer) => {
    buffered += d;
    let nl = buffered.indexOf('\n');
    while (nl !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('{')) flushes.push(JSON.parse(line));
      for (const w of waiters.splice(0)) w();
      nl = buffered.indexOf('\n');
    }
  });
  const nextFlush = async (): Promise<Flush> => {
    const seen = flushes.length;
    while (flushes.length === seen) {
      if (daemon.exitCode !== null) throw new Error(`statsd exited with ${daemon.exitCode}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    return flushes[flushes.length - 1] as Flush;
  };

  // Right after a flush, send everything (a few ms) well inside the next 2-second interval.
  await nextFlush();
  const socket = createSocket('udp4');
  for (let i = 0; i < LINES.length; i += 8) {
    const packet = LINES.slice(i, i + 8).join('\n');
    await new Promise<void>((resolve) => socket.send(packet, udp, '127.0.0.1', () => resolve()));
  }
  socket.close();
  const flush = await nextFlush();
  const mine = await ours();

  const close = (a: number | undefined, b: number | undefined, what: string) => {
    t.ok(
      a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)),
      `${what}: daemon ${a}, ours ${b}`,
    );
  };
  close(flush.counters[KEYS.hits as string], mine.get('hits.count'), 'counter count');
  close(flush.counter_rates[KEYS.hits as string], mine.get('hits.rate'), 'counter rate');
  close(flush.gauges[KEYS.temp as string], mine.get('temp.last'), 'gauge with deltas');
  for (const name of ['lat', 'api', 'sampled']) {
    const daemonTimer = flush.timer_data[KEYS[name] as string] ?? {};
    const figures = ['mean', 'upper', 'lower', 'upper_90', 'upper_99', 'median', 'sum'];
    // The daemon counts a timing sampled at rate r as 1/r timings; ours counts values.
    if (name !== 'sampled') figures.push('count');
    for (const figure of figures) close(daemonTimer[figure], mine.get(`${name}.${figure}`), `${name} ${figure}`);
  }
  t.equal(mine.get('lat.upper_90'), 180, 'rank round(0.9 × 20) = 18: not the maximum');
  t.equal(flush.timer_data.sampled?.count, 4, 'the sampled timer: the daemon counts 2 / 0.5');
  t.equal(mine.get('sampled.count'), 2, 'ours counts the 2 values (documented)');
});
