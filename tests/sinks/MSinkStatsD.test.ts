// MSinkStatsD against the real Etsy StatsD daemon (npm statsd@0.9.0, started here on free ports,
// stopped by PID): what it reports at its flushes must be what the sink sent.
import { createSocket } from 'node:dgram';
import t from 'tap';
import { max, mean } from '../../src/aggregators/builtins.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';
import { MSinkStatsD } from '../../src/sinks/MSinkStatsD.js';
import { installStatsD, type StatsDDaemon, startStatsD } from '../helpers/statsdDaemon.js';
import { until } from '../helpers/until.js';

const FLUSH_MS = 300;
const skip = await installStatsD();

function finish(sink: MSinkStatsD): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
    sink.end();
  });
}

/** Sums counters and timer counts/sums over every flush, keeps the last gauges: flush boundaries do not matter. */
function totals(daemon: StatsDDaemon) {
  const counters: Record<string, number> = {};
  const timerCount: Record<string, number> = {};
  const timerSum: Record<string, number> = {};
  const timerUpper: Record<string, number> = {};
  const gauges: Record<string, number> = {};
  for (const f of daemon.flushes) {
    for (const [k, v] of Object.entries(f.counters)) if (!k.startsWith('statsd.')) counters[k] = (counters[k] ?? 0) + v;
    for (const [k, v] of Object.entries(f.timer_data)) {
      if (!v.count) continue;
      timerCount[k] = (timerCount[k] ?? 0) + (v.count ?? 0);
      timerSum[k] = (timerSum[k] ?? 0) + (v.sum ?? 0);
      timerUpper[k] = Math.max(timerUpper[k] ?? Number.NEGATIVE_INFINITY, v.upper ?? Number.NEGATIVE_INFINITY);
    }
    for (const [k, v] of Object.entries(f.gauges)) if (!k.startsWith('statsd.')) gauges[k] = v;
  }
  return { counters, timerCount, timerSum, timerUpper, gauges };
}

t.test('MSinkStatsD: aggregates through an MCoordinator arrive as gauges with DogStatsD tags', { skip }, async (t) => {
  const daemon = await startStatsD(FLUSH_MS);
  t.teardown(() => daemon.stop());
  const mc = new MCoordinator({
    mstreams: [new MStream('latency', { agg: [mean, max], batchSize: 3 })],
    msinks: [new MSinkStatsD({ port: daemon.udpPort })],
  });
  for (const v of [10, 20, 30]) mc.send('latency', v, { tags: { route: 'home', dc: 'eu' } });
  for (const v of [1, 2, 6]) mc.send('latency', v, { tags: { route: 'api' } });
  await mc.close();
  const want = {
    'latency.mean;dc=eu;route=home': 20,
    'latency.max;dc=eu;route=home': 30,
    'latency.mean;route=api': 3,
    'latency.max;route=api': 6,
  };
  await until(
    () => Object.keys(want).every((k) => k in totals(daemon).gauges),
    'the daemon to flush the four gauges',
    10_000,
  );
  t.same(totals(daemon).gauges, want);
});

t.test('MSinkStatsD: a negative gauge is set, not subtracted; tags: none; sanitised names', { skip }, async (t) => {
  const daemon = await startStatsD(FLUSH_MS);
  t.teardown(() => daemon.stop());
  const sink = new MSinkStatsD({ port: daemon.udpPort, tags: 'none' });
  sink.write(new MElement('temp', 5, { tags: { room: 'a' } }));
  sink.write(new MElement('temp', -3, { tags: { room: 'b' } })); // same key without tags: -3, not 5 - 3
  sink.write(new MElement('odd:name|x@y#z w', 1));
  await finish(sink);
  await until(() => 'odd_name_x_y_z_w' in totals(daemon).gauges, 'the daemon to flush the gauges', 10_000);
  t.same(totals(daemon).gauges, { temp: -3, odd_name_x_y_z_w: 1 });
});

t.test('MSinkStatsD: raw values as timers and counters, many datagrams, every value counted', { skip }, async (t) => {
  const daemon = await startStatsD(FLUSH_MS);
  t.teardown(() => daemon.stop());
  const timers = new MSinkStatsD({ port: daemon.udpPort, type: 'ms', maxPacketBytes: 128 });
  const counters = new MSinkStatsD({ port: daemon.udpPort, type: 'c' });
  const n = 400;
  let sum = 0;
  for (let i = 1; i <= n; i++) {
    timers.write(new MElement('db.query', i, { tags: { table: i % 2 ? 'odd' : 'even' } }));
    counters.write(new MElement('hits', 2));
    sum += i;
  }
  await Promise.all([finish(timers), finish(counters)]);
  const done = () => {
    const s = totals(daemon);
    return (
      s.counters.hits === 2 * n &&
      (s.timerCount['db.query;table=odd'] ?? 0) + (s.timerCount['db.query;table=even'] ?? 0) === n
    );
  };
  await until(done, `the daemon to count ${n} timings and ${n} hits`, 10_000);
  const s = totals(daemon);
  t.equal(s.counters.hits, 2 * n);
  t.equal((s.timerSum['db.query;table=odd'] ?? 0) + (s.timerSum['db.query;table=even'] ?? 0), sum);
  t.equal(s.timerUpper['db.query;table=even'], n);
});

t.test('MSinkStatsD: datagrams never exceed maxPacketBytes, lines are whole, idle sends at once', async (t) => {
  const server = createSocket('udp4');
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const packets: string[] = [];
  server.on('message', (m) => packets.push(m.toString()));
  const sink = new MSinkStatsD({ port: server.address().port, maxPacketBytes: 100 });
  sink.write(new MElement('first', 1, { tags: { 'a b': 'x,y', 'c:d': 'p:q|r#s' } }));
  await until(() => packets.length === 1, 'the first element to go alone', 5000);
  t.same(packets, ['first:1|g|#a_b:x_y,c_d:p:q_r_s']);
  for (let i = 0; i < 50; i++) sink.write(new MElement(`m${i}`, i));
  await finish(sink);
  await until(() => packets.join('\n').split('\n').length === 51, 'all 51 lines', 5000);
  t.ok(
    packets.every((p) => Buffer.byteLength(p) <= 100),
    'no datagram over 100 bytes',
  );
  t.ok(packets.length > 2 && packets.length < 51, `lines packed into ${packets.length} datagrams`);
  t.same(
    packets.slice(1).join('\n').split('\n'),
    Array.from({ length: 50 }, (_, i) => `m${i}:${i}|g`),
    'every line, in order',
  );
});

t.test('MSinkStatsD: a send that fails (unresolvable host) fails the sink with that error', async (t) => {
  const sink = new MSinkStatsD({ host: 'no-such-host.invalid', port: 8125 });
  const failed = new Promise<Error & { code?: string }>((resolve) => sink.on('error', resolve));
  sink.write(new MElement('m', 1));
  const err = await failed;
  t.match(err.code, /ENOTFOUND|EAI_AGAIN/);
});

t.test('MSinkStatsD: destroy() closes the socket; nothing keeps the process alive', async (t) => {
  const sink = new MSinkStatsD({ port: 9 });
  sink.write(new MElement('m', 1));
  const closed = new Promise((resolve) => sink.on('close', resolve));
  sink.destroy();
  await closed;
  t.ok(sink.destroyed);
});

t.test('MSinkStatsD: invalid options throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  const bad: unknown[] = [
    null,
    'x',
    { host: '' },
    { port: 0 },
    { port: 70000 },
    { type: 'x' },
    { tags: 'influx' },
    { maxPacketBytes: 10 },
    { maxPacketBytes: 70000 },
    { maxPacketBytes: 1.5 },
  ];
  for (const options of bad) {
    t.throws(() => new MSinkStatsD(options as never), { code: ErrorCode.INVALID_ARGUMENT }, JSON.stringify(options));
  }
});
