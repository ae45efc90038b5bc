import { spawnSync } from 'node:child_process';
import { Writable as NodeWritable, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import FakeTimers from '@sinonjs/fake-timers';
import fc from 'fast-check';
import t from 'tap';
import { count, sum } from '../src/aggregators/builtins.js';
import { MCoordinator } from '../src/MCoordinator.js';
import { MElement } from '../src/MElement.js';
import { ErrorCode, MetrixError } from '../src/MetrixError.js';
import { MStream } from '../src/MStream.js';
import { MSink } from '../src/sinks/MSink.js';
import { MSinkNDJSON } from '../src/sinks/MSinkNDJSON.js';
import { MSinkNetwork } from '../src/sinks/MSinkNetwork.js';
import { installClock, T0 } from './helpers/clock.js';

const show = (els: readonly MElement[]) => els.map((e) => `${e.name}${JSON.stringify(e.tags)}=${e.value}`);
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface CollectOptions {
  /** Each element takes this long to handle (a Promise on setTimeout). */
  delayMs?: number;
  /** Each element is handled a turn of the event loop later. */
  async?: boolean;
  /** Throws instead of handling the element with this index. */
  failAt?: number;
  highWaterMark?: number;
  timeResolutionMs?: number;
}

/** A sink that records what it receives and when (`Date.now()` at hand-over). */
class Collect extends MSink {
  readonly received: MElement[] = [];
  readonly times: number[] = [];
  readonly #o: CollectOptions;
  constructor(o: CollectOptions = {}) {
    super(o.highWaterMark === undefined ? {} : { highWaterMark: o.highWaterMark });
    this.#o = o;
  }
  override get timeResolutionMs(): number {
    return this.#o.timeResolutionMs ?? 1;
  }
  protected handle(element: MElement): void | Promise<void> {
    if (this.#o.failAt === this.received.length) throw new Error('sink down');
    this.received.push(element);
    this.times.push(Date.now());
    if (this.#o.delayMs !== undefined) return new Promise((resolve) => setTimeout(resolve, this.#o.delayMs));
    if (this.#o.async) return turn();
  }
}

t.test('MCoordinator: construction variants', async (t) => {
  const empty = new MCoordinator();
  t.equal(empty.mstreams.size, 0);
  t.same(empty.msinks, []);
  await empty.close();

  const a = new MStream('a', { agg: count, batchSize: 1 });
  const b = new MStream('b', { agg: count, batchSize: 1 });
  const s1 = new Collect();
  const s2 = new Collect();
  const fn = () => {};
  const mc = new MCoordinator({ mstreams: [a, b], msinks: [s1, s2, fn], rateLimit: [null, 0, 1] });
  t.same([...mc.mstreams.keys()], ['a', 'b']);
  t.equal(mc.mstreams.get('a'), a);
  t.equal(mc.msinks.length, 3);
  t.equal(mc.msinks[0], s1);
  t.equal(mc.msinks[1], s2);
  t.equal(String(mc.msinks[2]), 'function fn', 'a function is wrapped in an MSink');
  t.equal(
    mc.toString(),
    "MCoordinator(mstreams=[MStream(name='a', agg=[count], batchSize=1), MStream(name='b', agg=[count], batchSize=1)], msinks=[Collect, Collect, function fn (rateLimit=1 s)])",
  );
  await mc.close();

  const one = new MCoordinator({ msinks: [new Collect()], rateLimit: 0.5 });
  one.addMSink(new Collect());
  one.addMSink(new Collect(), { rateLimit: null });
  t.match(one.toString(), /msinks=\[Collect \(rateLimit=0.5 s\), Collect \(rateLimit=0.5 s\), Collect\]/);
  await one.close();
});

t.test('MCoordinator: misuse at construction throws with a code and touches nothing', async (t) => {
  const sink = new Collect();
  const ms = () => new MStream('a', { agg: count, batchSize: 1 });
  const cases: [string, () => unknown, string][] = [
    ['options null', () => new MCoordinator(null as never), ErrorCode.INVALID_ARGUMENT],
    ['mstreams not an array', () => new MCoordinator({ mstreams: ms() as never }), ErrorCode.INVALID_ARGUMENT],
    [
      'an mstream that is not one',
      () => new MCoordinator({ mstreams: [{ name: 'a' } as never] }),
      ErrorCode.INVALID_ARGUMENT,
    ],
    ['two streams, one name', () => new MCoordinator({ mstreams: [ms(), ms()] }), ErrorCode.DUPLICATE_METRIC],
    ['msinks not an array', () => new MCoordinator({ msinks: sink as never }), ErrorCode.INVALID_SINK],
    ['a sink that is not one', () => new MCoordinator({ msinks: [sink, 42 as never] }), ErrorCode.INVALID_SINK],
    ['a byte stream as sink', () => new MCoordinator({ msinks: [process.stdout as never] }), ErrorCode.INVALID_SINK],
    ['the same sink twice', () => new MCoordinator({ msinks: [sink, sink] }), ErrorCode.INVALID_SINK],
    ['rateLimit too short', () => new MCoordinator({ msinks: [sink], rateLimit: [] }), ErrorCode.INVALID_RATE_LIMIT],
    ['rateLimit too long', () => new MCoordinator({ msinks: [sink], rateLimit: [1, 1] }), ErrorCode.INVALID_RATE_LIMIT],
    ['rateLimit negative', () => new MCoordinator({ msinks: [sink], rateLimit: -1 }), ErrorCode.INVALID_RATE_LIMIT],
    [
      'rateLimit a string',
      () => new MCoordinator({ msinks: [sink], rateLimit: '1' as never }),
      ErrorCode.INVALID_RATE_LIMIT,
    ],
    [
      'rateLimit NaN in a list',
      () => new MCoordinator({ msinks: [sink], rateLimit: [Number.NaN] }),
      ErrorCode.INVALID_RATE_LIMIT,
    ],
    ['sinkQueueSize 0', () => new MCoordinator({ sinkQueueSize: 0 }), ErrorCode.INVALID_ARGUMENT],
    ['onUnknown', () => new MCoordinator({ onUnknown: 'ignore' as never }), ErrorCode.INVALID_ARGUMENT],
    ['onInvalid', () => new MCoordinator({ onInvalid: 'skip' as never }), ErrorCode.INVALID_ARGUMENT],
    ['highWaterMark', () => new MCoordinator({ highWaterMark: -1 }), ErrorCode.INVALID_ARGUMENT],
  ];
  for (const [what, fn, code] of cases) t.throws(fn, { code }, what);
  t.equal(sink.listenerCount('error'), 0, 'a throwing constructor left no listener on the sink');
  const destroyed = ms();
  destroyed.destroy();
  t.throws(
    () => new MCoordinator({ mstreams: [destroyed] }),
    { code: ErrorCode.INVALID_ARGUMENT },
    'a destroyed stream',
  );
});

t.test('MCoordinator: misuse after construction', async (t) => {
  const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })] });
  t.throws(() => mc.addMStream(new MStream('a', { agg: sum, batchSize: 2 })), { code: ErrorCode.DUPLICATE_METRIC });
  t.throws(() => mc.addMStream('a' as never), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => mc.addMSink('stdout' as never), { code: ErrorCode.INVALID_SINK });
  t.throws(() => mc.addMSink(new Collect(), { rateLimit: -2 }), { code: ErrorCode.INVALID_RATE_LIMIT });
  t.throws(() => mc.addMSink(new Collect(), null as never), { code: ErrorCode.INVALID_ARGUMENT });
  const sink = new Collect();
  mc.addMSink(sink);
  t.throws(() => mc.addMSink(sink), { code: ErrorCode.INVALID_SINK }, 'the same sink twice');
  for (const call of [() => mc.send('nope', 1), () => mc.timer('nope'), () => mc.time('nope', () => 1)]) {
    t.throws(call, { code: ErrorCode.UNKNOWN_METRIC });
  }
  t.throws(() => mc.send('a', Number.NaN), { code: ErrorCode.INVALID_VALUE }, "the stream's own validation");
  await mc.close();
});

t.test(
  'MCoordinator: after close(), send/timer/time/add* throw ERR_METRIX_CLOSED; close() twice is safe',
  async (t) => {
    const sink = new Collect();
    const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })], msinks: [sink] });
    mc.send('a', 1);
    const first = mc.close();
    t.equal(mc.close(), first, 'the same promise');
    t.throws(() => mc.send('a', 1), { code: ErrorCode.CLOSED }, 'already while closing');
    await first;
    await mc.close();
    for (const call of [
      () => mc.send('a', 1),
      () => mc.timer('a'),
      () => mc.time('a', () => 1),
      () => mc.addMStream(new MStream('b', { agg: count, batchSize: 1 })),
      () => mc.addMSink(new Collect()),
    ]) {
      t.throws(call, { code: ErrorCode.CLOSED });
    }
    t.same(show(sink.received), ['a.count{}=1']);
    t.equal(sink.writableFinished, true, 'the sinks are ended');
  },
);

t.test('MCoordinator: two streams into two sinks, batches of 5 and of 1 — exact elements, in order', async (t) => {
  const s1 = new Collect();
  const s2 = new Collect({ async: true, highWaterMark: 1 });
  const mc = new MCoordinator({
    mstreams: [new MStream('five', { agg: count, batchSize: 5 }), new MStream('one', { agg: sum, batchSize: 1 })],
    msinks: [s1, s2],
  });
  for (let i = 0; i < 12; i++) mc.send('five', i, { tags: { parity: i % 2 ? 'odd' : 'even' } });
  for (const v of [10, 20, 30]) mc.send('one', v);
  await mc.close();
  const five = (els: MElement[]) => show(els.filter((e) => e.name === 'five.count'));
  const one = (els: MElement[]) => show(els.filter((e) => e.name === 'one.sum'));
  const expectedFive = [
    'five.count{"parity":"even"}=3',
    'five.count{"parity":"odd"}=2',
    'five.count{"parity":"odd"}=3',
    'five.count{"parity":"even"}=2',
    'five.count{"parity":"even"}=1',
    'five.count{"parity":"odd"}=1',
  ];
  for (const sink of [s1, s2]) {
    t.same(five(sink.received), expectedFive);
    t.same(one(sink.received), ['one.sum{}=10', 'one.sum{}=20', 'one.sum{}=30']);
    t.equal(sink.received.length, 9);
  }
  t.same(show(s2.received), show(s1.received), 'every sink sees the same sequence');
});

t.test('MCoordinator: adding streams and sinks later', async (t) => {
  const mc = new MCoordinator();
  mc.addMStream(new MStream('a', { agg: count, batchSize: 1 }));
  mc.send('a', 1, { tags: { when: 'no sink yet' } });
  await turn();
  await turn();
  const early = new Collect();
  mc.addMSink(early).addMStream(new MStream('b', { agg: sum, batchSize: 1 }));
  mc.send('a', 2, { tags: { when: 'one sink' } });
  mc.send('b', 5);
  await turn();
  await turn();
  const late = new Collect();
  mc.addMSink(late);
  mc.send('b', 7);
  await mc.close();
  t.same(show(early.received), ['a.count{"when":"one sink"}=1', 'b.sum{}=5', 'b.sum{}=7']);
  t.same(show(late.received), ['b.sum{}=7'], 'a sink added later gets what is produced from then on');
});

t.test('MCoordinator: a rate limit spaces the elements of its sink, delays and never drops', async (t) => {
  const clock = installClock(t);
  const fast = new Collect();
  const limited = new Collect();
  const mc = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [fast, limited],
    rateLimit: [null, 2],
  });
  for (let i = 0; i < 4; i++) mc.send('a', i);
  let closed = false;
  mc.close().then(() => {
    closed = true;
  });
  await clock.tickAsync(0);
  t.equal(fast.received.length, 4, 'a sink without a limit is not held back by its queue-mate');
  t.equal(limited.received.length, 1);
  await clock.tickAsync(1999);
  t.equal(limited.received.length, 1, 'not a millisecond early');
  t.notOk(closed, 'close() waits for the rate-limited sink');
  await clock.tickAsync(4001);
  t.same(
    limited.times.map((x) => x - T0),
    [0, 2000, 4000, 6000],
  );
  await clock.tickAsync(0);
  t.ok(closed);
  t.same(show(limited.received), show(fast.received));
});

t.test('MCoordinator: one slow sink paces the others once its queue is full', async (t) => {
  const clock = installClock(t);
  const fast = new Collect();
  const slow = new Collect();
  const mc = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [fast, slow],
    rateLimit: [0, 1],
    sinkQueueSize: 2,
  });
  for (let i = 0; i < 10; i++) mc.send('a', i);
  const closed = mc.close();
  await clock.tickAsync(0);
  // The slow sink holds one element; two wait in its queue; then the streams are not read.
  t.equal(slow.received.length, 1);
  t.equal(fast.received.length, 3, 'the fast sink is at most the queue size ahead');
  await clock.tickAsync(1000);
  t.equal(slow.received.length, 2);
  t.equal(fast.received.length, 4);
  await clock.tickAsync(9000);
  await closed;
  t.equal(fast.received.length, 10);
  t.same(show(slow.received), show(fast.received));
});

t.test('MCoordinator: a slow sink with a tiny highWaterMark — nothing lost, memory bounded', async (t) => {
  const clock = installClock(t);
  const slow = new Collect({ delayMs: 10, highWaterMark: 1 });
  const mstream = new MStream('a', { agg: count, batchSize: 1, highWaterMark: 1 });
  const mc = new MCoordinator({ mstreams: [mstream], msinks: [slow], sinkQueueSize: 1, highWaterMark: 1 });
  const n = 1000;
  let produced = 0;
  const source = Readable.from(
    (function* () {
      for (let i = 0; i < n; i++) {
        produced++;
        yield { name: 'a', value: i, tags: { i: String(i) } };
      }
    })(),
    { highWaterMark: 1 },
  );
  let finished = false;
  const done = pipeline(source, mc).then(() => {
    finished = true;
  });
  let maxInFlight = 0;
  let sawRefusal = false;
  while (!finished) {
    await clock.tickAsync(10);
    maxInFlight = Math.max(maxInFlight, produced - slow.received.length);
    // Backpressure reached the input: the stream or the coordinator refused more for now.
    if (mstream.writableLength > 0 || mc.writableNeedDrain || mc.writableLength > 0) sawRefusal = true;
  }
  await done;
  t.equal(slow.received.length, n, 'nothing lost');
  t.same(
    slow.received.map((e) => e.tags.i),
    Array.from({ length: n }, (_, i) => String(i)),
    'order kept',
  );
  t.ok(sawRefusal, 'the input had to wait: the stream was not read while the sink was busy');
  // Elements between the source and the sink: the buffers of the stages inside the stream (16
  // each), the stream's, the queue's and the sink's — a constant, never a function of n.
  t.ok(maxInFlight < 250, `at most ${maxInFlight} elements in flight for ${n} sent`);
});

t.test('MCoordinator: send() returns false once the buffers are full', async (t) => {
  const clock = installClock(t);
  const slow = new Collect({ delayMs: 1000, highWaterMark: 1 });
  const mc = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1, highWaterMark: 1 })],
    msinks: [slow],
    sinkQueueSize: 1,
  });
  let accepted = 0;
  for (let i = 0; i < 1000 && mc.send('a', i); i++) {
    accepted++;
    await clock.tickAsync(0);
  }
  t.ok(accepted < 1000, `send() said "wait" after ${accepted} elements`);
  const closed = mc.close();
  await clock.tickAsync(1000 * (accepted + 2));
  await closed;
  t.equal(slow.received.length, accepted + 1, 'the refused element too was kept');
});

t.test('MCoordinator: close() delivers partial windows and batches', async (t) => {
  const clock = installClock(t);
  const sink = new Collect();
  const mc = new MCoordinator({
    mstreams: [new MStream('win', { agg: count, windowSize: 10 }), new MStream('batch', { agg: count, batchSize: 5 })],
    msinks: [sink],
  });
  await clock.tickAsync(2000);
  for (let i = 0; i < 3; i++) {
    mc.send('win', i);
    mc.send('batch', i);
  }
  await clock.tickAsync(1000);
  t.same(sink.received, [], 'nothing before the window ends or the batch is full');
  await mc.close();
  t.same(show(sink.received).sort(), ['batch.count{}=3', 'win.count{}=3']);
  t.equal(sink.received.find((e) => e.name === 'win.count')?.time, T0 + 10_000, 'stamped with the window end');
  t.equal(clock.countTimers(), 0, 'no timer left');
});

t.test('MCoordinator: a failing sink — the others get everything, then close() rejects naming it', async (t) => {
  const bad = new Collect({ failAt: 1 });
  const good = new Collect({ async: true });
  const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })], msinks: [bad, good] });
  const sinkErrors: [MetrixError, unknown][] = [];
  mc.on('sinkError', (err: MetrixError, sink: unknown) => sinkErrors.push([err, sink]));
  let errors = 0;
  mc.on('error', () => errors++);
  for (let i = 0; i < 5; i++) mc.send('a', i, { tags: { i } });
  const err = await mc.close().then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(MetrixError.is(err, ErrorCode.SINK_FAILED), 'close() rejects with ERR_METRIX_SINK_FAILED');
  t.match((err as MetrixError).message, /sink #0 \(Collect\)/);
  t.match((err as Error).cause, { message: 'sink down' }, "the sink's own error is the cause");
  t.equal((err as MetrixError).input, bad);
  t.equal(sinkErrors.length, 1, "'sinkError' at once, once");
  t.equal(sinkErrors[0]?.[0], err);
  t.equal(sinkErrors[0]?.[1], bad);
  t.equal(errors, 1, "one 'error', after the others finished");
  t.equal(bad.received.length, 1, 'the failed sink got what it handled before failing');
  t.equal(good.received.length, 5, 'the other sink got every element, also the later ones');
  t.equal(good.writableFinished, true);
  t.match(mc.toString(), /Collect \(failed\)/);
  t.match(mc.visualize(), /Collect\\n\(failed\)/);
});

t.test(
  'MCoordinator: a rejecting function sink with no listeners — a warning, no crash, close() rejects',
  async (t) => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    t.teardown(() => {
      process.off('warning', onWarning);
    });
    const boom = new Error('rejected');
    const good = new Collect();
    const mc = new MCoordinator({
      mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
      msinks: [() => Promise.reject(boom), good],
    });
    mc.send('a', 1);
    mc.send('a', 2);
    await t.rejects(mc.close(), { code: ErrorCode.SINK_FAILED, cause: boom });
    await turn();
    t.equal(warnings.filter((w) => MetrixError.is(w, ErrorCode.SINK_FAILED)).length, 1);
    t.equal(good.received.length, 2);
  },
);

t.test('MCoordinator: a sink destroyed by someone else counts as failed', async (t) => {
  const gone = new Collect();
  const good = new Collect();
  const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })], msinks: [gone, good] });
  mc.on('sinkError', () => {});
  gone.destroy();
  mc.send('a', 1);
  await t.rejects(mc.close(), { code: ErrorCode.SINK_FAILED, cause: { code: ErrorCode.CLOSED } });
  t.equal(good.received.length, 1);
});

t.test('MCoordinator: pipe() from a Readable of raw elements, routed by name', async (t) => {
  const sink = new Collect();
  const mc = new MCoordinator({
    mstreams: [new MStream('req', { agg: count, batchSize: 2 }), new MStream('bytes', { agg: sum, batchSize: 2 })],
    msinks: [sink],
  });
  const raw = [
    { name: 'req', value: 1, tags: { route: '/a' } },
    { name: 'bytes', value: 100 },
    { name: 'req', value: 1, tags: { route: '/a' } },
    { name: 'bytes', value: 50, time: null },
    new MElement('req', 1, { tags: { route: '/b' } }),
  ];
  Readable.from(raw).pipe(mc);
  await new Promise((resolve) => mc.on('finish', resolve));
  t.same(show(sink.received), ['req.count{"route":"/a"}=2', 'bytes.sum{}=150', 'req.count{"route":"/b"}=1']);
  await mc.close();
});

t.test('MCoordinator: unknown names in a stream — an error by default, or dropped and counted', async (t) => {
  const raw = [
    { name: 'a', value: 1 },
    { name: 'nope', value: 2 },
    { name: 'a', value: 3 },
  ];
  const strict = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [new Collect()],
  });
  await t.rejects(pipeline(Readable.from(raw), strict), { code: ErrorCode.UNKNOWN_METRIC, input: raw[1] });
  await t.rejects(strict.close(), { code: ErrorCode.UNKNOWN_METRIC }, 'close() reports the same error');

  const sink = new Collect();
  const lenient = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [sink],
    onUnknown: 'drop',
  });
  const unknown: MetrixError[] = [];
  lenient.on('unknown', (err: MetrixError) => unknown.push(err));
  await pipeline(Readable.from(raw), lenient);
  t.equal(lenient.unknownCount, 1);
  t.match(unknown, [{ code: ErrorCode.UNKNOWN_METRIC, input: raw[1] }]);
  t.equal(sink.received.length, 2);
});

t.test('MCoordinator: invalid elements in a stream — an error by default, or dropped and counted', async (t) => {
  const raw = [
    { name: 'a', value: 1 },
    { name: 'a', value: 'x' },
    42,
    { name: 'a', value: 1, tags: [1] },
    { name: 'a', value: 3 },
  ];
  const strict = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [new Collect()],
  });
  await t.rejects(pipeline(Readable.from(raw), strict), { code: ErrorCode.INVALID_VALUE });

  const sink = new Collect();
  const lenient = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [sink],
    onInvalid: 'drop',
  });
  const invalid: MetrixError[] = [];
  lenient.on('invalid', (err: MetrixError) => invalid.push(err));
  await pipeline(Readable.from(raw), lenient);
  t.equal(lenient.invalidCount, 3);
  t.match(invalid, [
    { code: ErrorCode.INVALID_VALUE },
    { code: ErrorCode.INVALID_ELEMENT },
    { code: ErrorCode.INVALID_TAGS },
  ]);
  t.equal(sink.received.length, 2);
});

t.test("MCoordinator: a failing stream destroys the coordinator with the stream's error, unchanged", async (t) => {
  const boom = new Error('aggregation bug');
  const sink = new Collect();
  const good = new MStream('good', { agg: count, batchSize: 1 });
  const oops = () => {
    throw boom;
  };
  const mc = new MCoordinator({
    mstreams: [new MStream('bad', { agg: { oops }, batchSize: 1 }), good],
    msinks: [sink],
  });
  mc.send('bad', 1);
  await t.rejects(mc.close(), boom);
  t.equal(mc.destroyed, true);
  t.equal(good.destroyed, true, 'its other streams are destroyed');
  t.equal(sink.destroyed, true, 'its sinks are destroyed');
  t.throws(() => mc.send('good', 1), { code: ErrorCode.CLOSED });
});

t.test('MCoordinator: destroy() tears everything down; close() then rejects with ERR_METRIX_CLOSED', async (t) => {
  const clock = installClock(t);
  const mstream = new MStream('w', { agg: count, windowSize: 60 });
  const sink = new Collect();
  const mc = new MCoordinator({ mstreams: [mstream], msinks: [sink], rateLimit: 1 });
  mc.send('w', 1);
  const closing = mc.close();
  mc.destroy();
  await t.rejects(closing, { code: ErrorCode.CLOSED });
  t.equal(mstream.destroyed, true);
  t.equal(sink.destroyed, true);
  t.equal(clock.countTimers(), 0, 'no timer left');
  t.throws(() => mc.send('w', 1), { code: ErrorCode.CLOSED });
  const never = new MCoordinator();
  never.destroy();
  await t.rejects(never.close(), { code: ErrorCode.CLOSED }, 'close() after destroy()');
});

t.test('MCoordinator: warns once when a window is shorter than a sink time resolution', async (t) => {
  const warnings: (Error & { code?: string })[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  t.teardown(() => {
    process.off('warning', onWarning);
  });
  const coarse = new Collect({ timeResolutionMs: 1000 });
  const mc = new MCoordinator({
    mstreams: [
      new MStream('fast', { agg: count, windowSize: 0.5 }),
      new MStream('ok', { agg: count, windowSize: 1 }),
      new MStream('batch', { agg: count, batchSize: 1 }),
    ],
    msinks: [coarse, new Collect()],
  });
  mc.addMSink(new Collect({ timeResolutionMs: 1000 }));
  mc.addMStream(new MStream('fast2', { agg: count, windowSize: 0.25 }));
  await turn();
  const ours = warnings.filter((w) => w.code === MCoordinator.WINDOW_BELOW_RESOLUTION);
  t.equal(ours.length, 4, 'one per (stream, coarse sink) pair');
  t.equal(ours[0]?.name, 'MetrixWarning');
  t.match(ours[0]?.message, /"fast".*0\.5 s.*1000 ms.*sink #0 \(Collect\)/);
  await mc.close();
});

t.test('MCoordinator: a node:stream object-mode Writable is a sink like any other', async (t) => {
  const seen: string[] = [];
  const node = new NodeWritable({
    objectMode: true,
    write(element: MElement, _enc, cb) {
      seen.push(element.name);
      cb();
    },
  });
  const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })], msinks: [node as never] });
  mc.send('a', 1);
  await mc.close();
  t.same(seen, ['a.count']);
  t.equal(node.writableFinished, true);
  t.match(mc.toString(), /msinks=\[Writable\]/);
});

t.test('MCoordinator: timer() and time() send to the named stream', async (t) => {
  const clock = installClock(t);
  const sink = new Collect();
  const mc = new MCoordinator({ mstreams: [new MStream('lat', { agg: sum, batchSize: 1 })], msinks: [sink] });
  const timer = mc.timer('lat', { scale: 1000 });
  await clock.tickAsync(250);
  t.equal(timer.stop(), 250);
  t.equal(
    mc.time('lat', () => 42),
    42,
  );
  await mc.close();
  t.same(
    sink.received.map((e) => e.value),
    [250, 0],
  );
});

t.test('MCoordinator: with no sink, elements are discarded and close() resolves', async (t) => {
  const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })] });
  for (let i = 0; i < 100; i++) mc.send('a', i);
  await mc.close();
  t.pass();
});

t.test('MCoordinator: visualize() gives Graphviz DOT of streams, stages, fan-in and sinks', async (t) => {
  const mc = new MCoordinator({
    mstreams: [
      new MStream('requests', { agg: count, windowSize: 10 }),
      new MStream('latency', { agg: [sum, count], batchSize: 5 }),
    ],
    msinks: [new Collect(), function audit() {}],
    rateLimit: [null, 0.5],
  });
  const dot = mc.visualize();
  t.match(dot, /label="MStream requests"/);
  t.match(dot, /label="windowByTime\(10\)"/);
  t.match(dot, /label="batchByCount\(5\)"/);
  t.match(dot, /aggregate\\nlatency.sum/);
  t.match(dot, /zipAggs/);
  t.match(dot, /k0 \[label="Collect"/);
  t.match(dot, /k1 \[label="function audit"/);
  t.match(dot, /fanin -> k1 \[label="queue ≤ 16\\n≥ 0.5 s apart"\]/);
  if (spawnSync('dot', ['-V']).status === 0) {
    const out = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
    t.equal(out.status, 0, out.stderr);
  }
  await mc.close();
});

t.test('MCoordinator: property — every sink receives the same multiset, and the counts add up', async (t) => {
  const streamArb = fc.record({
    batchSize: fc.integer({ min: 1, max: 6 }),
    highWaterMark: fc.integer({ min: 1, max: 4 }),
  });
  const sinkArb = fc.record({
    async: fc.boolean(),
    highWaterMark: fc.integer({ min: 1, max: 4 }),
    rateLimited: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(streamArb, { minLength: 1, maxLength: 3 }),
      fc.array(sinkArb, { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.record({ stream: fc.nat(), tag: fc.constantFrom(null, 'x', 'y'), value: fc.integer() }), {
        maxLength: 60,
      }),
      async (streams, sinkSpecs, sinkQueueSize, items) => {
        const names = streams.map((_s, i) => `s${i}`);
        const sinks = sinkSpecs.map((s) => new Collect({ async: s.async, highWaterMark: s.highWaterMark }));
        const mc = new MCoordinator({
          mstreams: streams.map(
            (s, i) =>
              new MStream(names[i] as string, { agg: count, batchSize: s.batchSize, highWaterMark: s.highWaterMark }),
          ),
          msinks: sinks,
          // A tiny rate limit exercises the one-at-a-time path without slowing the test much.
          rateLimit: sinkSpecs.map((s) => (s.rateLimited ? 0.001 : null)),
          sinkQueueSize,
        });
        const raw = items.map((it) => ({
          name: names[it.stream % names.length] as string,
          value: it.value,
          tags: it.tag === null ? undefined : { k: it.tag },
        }));
        await pipeline(Readable.from(raw), mc);
        const reference = show((sinks[0] as Collect).received);
        for (const sink of sinks) {
          if (JSON.stringify(show(sink.received)) !== JSON.stringify(reference)) return false;
        }
        for (const name of names) {
          const sent = raw.filter((r) => r.name === name).length;
          const counted = (sinks[0] as Collect).received
            .filter((e) => e.name === `${name}.count`)
            .reduce((a, e) => a + e.value, 0);
          if (sent !== counted) return false;
        }
        return true;
      },
    ),
    { numRuns: 60 },
  );
  t.pass('held for every generated case');
});

/** A sink whose handler's Promise never settles, as a hung database client's. */
class Hang extends MSink {
  received = 0;
  protected handle(): Promise<void> {
    this.received++;
    return new Promise<void>(() => {});
  }
}

/** Settles `promise` into a value the test can inspect without awaiting it (and hanging). */
function watch<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/** Lets real turns of the event loop pass (at fake time `now`) until `state` settled, at most `max`. */
async function drain(state: { settled: boolean }, max = 5000): Promise<void> {
  for (let i = 0; i < max && !state.settled; i++) await turn();
}

const sumDropped = (d: Readonly<Record<string, number>>) => Object.values(d).reduce((a, b) => a + b, 0);

t.test('MCoordinator: a hung sink is detached after stallTimeoutMs; the healthy one gets everything', async (t) => {
  // Regression: close() never settled, and the healthy sink got 32 of 572 elements.
  const clock = installClock(t);
  const hung = new Hang();
  const good = new Collect({ async: true });
  const mc = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [hung, good],
    stallTimeoutMs: 5000,
  });
  const sinkErrors: MetrixError[] = [];
  mc.on('sinkError', (err: MetrixError) => sinkErrors.push(err));
  for (let i = 0; i < 572; i++) mc.send('a', i);
  const closed = watch(mc.close());
  await clock.tickAsync(4999);
  t.equal(sinkErrors.length, 0, 'not detached a millisecond early');
  t.ok(good.received.length < 572, 'meanwhile the full queue of the hung sink paces the other one');
  await clock.tickAsync(1);
  await drain(closed);
  t.ok(closed.settled, 'close() settled once the hung sink was detached');
  t.equal(good.received.length, 572, 'the healthy sink received every element');
  t.equal(good.writableFinished, true);
  t.match(sinkErrors, [{ code: ErrorCode.SINK_STALLED, input: hung }]);
  t.match(sinkErrors[0]?.message, /sink #0 \(Hang\) .*5000 ms/);
  const err = closed.error as MetrixError & { undelivered: { index: number; count: number; state: string }[] };
  t.equal(err, sinkErrors[0], 'close() rejects with the stall');
  t.same(
    err.undelivered.map((u) => [u.index, u.count, u.state]),
    [[0, 572, 'stalled']],
    'and counts exactly what the hung sink missed: everything',
  );
  t.match(err.message, /in all, not delivered: 572 to sink #0 \(Hang, stalled\)/);
  t.equal(hung.destroyed, true, 'the hung sink is destroyed');
  t.match(mc.toString(), /Hang \(stalled\)/);
  t.match(mc.visualize(), /Hang\\n\(stalled\)/);
  t.equal(clock.countTimers(), 0, 'no timer left');
});

t.test(
  'MCoordinator: close({ timeoutMs }) delivers until the deadline, then counts per sink what was not',
  async (t) => {
    const clock = installClock(t);
    const hung = new Hang();
    const limited = new Collect();
    const fast = new Collect();
    const mc = new MCoordinator({
      mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
      msinks: [fast, limited, hung],
      rateLimit: [null, 1, null],
      stallTimeoutMs: Number.POSITIVE_INFINITY,
      sinkQueueSize: 4,
    });
    mc.on('sinkError', () => t.fail('no sink failed'));
    const n = 50;
    for (let i = 0; i < n; i++) mc.send('a', i);
    const closed = watch(mc.close({ timeoutMs: 3500 }));
    await clock.tickAsync(3499);
    t.notOk(closed.settled, 'not before the deadline');
    await clock.tickAsync(1);
    await drain(closed);
    t.ok(closed.settled, 'settled at the deadline');
    const err = closed.error as MetrixError & {
      undelivered: { index: number; count: number; state: string; sink: unknown }[];
    };
    t.equal(err.code, ErrorCode.CLOSE_TIMEOUT);
    t.equal(limited.received.length, 4, 'the rate-limited sink got one per second until the deadline');
    const stats = mc.stats();
    t.equal(stats.elementsOut, n, 'the streams flushed everything after the deadline');
    const byIndex = new Map(err.undelivered.map((u) => [u.index, u]));
    t.equal(byIndex.get(1)?.count, n - 4);
    t.equal(byIndex.get(2)?.count, n, 'the hung sink received nothing');
    t.equal(byIndex.get(0)?.count, n - fast.received.length);
    t.equal(byIndex.get(2)?.sink, hung);
    for (const s of stats.sinks) {
      t.equal(s.in, n);
      t.equal(s.out + (byIndex.get(s.index)?.count ?? 0), n, `sink #${s.index}: delivered + undelivered = produced`);
      t.equal(s.dropped.closeTimeout, byIndex.get(s.index)?.count ?? 0);
    }
    t.match(err.message, /its 3500 ms deadline passed; not delivered: .*to sink #2 \(Hang, closeTimeout\)/);
    t.equal(hung.destroyed, true, 'a sink still busy at the deadline is destroyed');
    t.equal(clock.countTimers(), 0, 'no timer left');
  },
);

t.test('MCoordinator: close({ timeoutMs }) with healthy sinks in time resolves and clears its timer', async (t) => {
  const clock = installClock(t);
  const sink = new Collect({ delayMs: 10 });
  const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })], msinks: [sink] });
  for (let i = 0; i < 20; i++) mc.send('a', i);
  const closed = watch(mc.close({ timeoutMs: 10_000 }));
  await clock.tickAsync(300);
  t.same(closed, { settled: true, value: undefined });
  t.equal(sink.received.length, 20);
  t.equal(clock.countTimers(), 0, 'the deadline timer is cleared');
});

t.test('MCoordinator: a deadline given to a later close() bounds the close under way', async (t) => {
  const clock = installClock(t);
  const mc = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [new Hang()],
    stallTimeoutMs: Number.POSITIVE_INFINITY,
  });
  mc.send('a', 1);
  const first = mc.close();
  await clock.tickAsync(60_000);
  const second = mc.close({ timeoutMs: 100 });
  t.equal(second, first, 'the same promise');
  const state = watch(first);
  await clock.tickAsync(100);
  for (let i = 0; i < 20 && !state.settled; i++) await clock.tickAsync(0);
  t.match(state.error, { code: ErrorCode.CLOSE_TIMEOUT, undelivered: [{ index: 0, count: 1 }] });
});

t.test('MCoordinator: close({ signal }) — an abort does what the deadline does', async (t) => {
  const mc = new MCoordinator({
    mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
    msinks: [new Hang(), new Collect()],
  });
  mc.send('a', 1);
  mc.send('a', 2);
  const controller = new AbortController();
  const closing = mc.close({ signal: controller.signal });
  await turn();
  controller.abort();
  await t.rejects(closing, { code: ErrorCode.CLOSE_TIMEOUT, message: /its signal was aborted/ });
  const pre = new MCoordinator({ msinks: [new Hang()] });
  await t.rejects(
    pre.close({ signal: AbortSignal.abort() }),
    { code: ErrorCode.CLOSE_TIMEOUT, undelivered: [{ index: 0, count: 0, state: 'closeTimeout' }] },
    'a sink cut off before it finished is listed, with nothing missing',
  );
});

t.test('MCoordinator: close() options are validated', async (t) => {
  const mc = new MCoordinator();
  for (const bad of [{ timeoutMs: -1 }, { timeoutMs: Number.NaN }, { timeoutMs: '5' }, { signal: {} }, null]) {
    t.throws(() => mc.close(bad as never), { code: ErrorCode.INVALID_ARGUMENT }, JSON.stringify(bad));
  }
  for (const bad of [0, -5, Number.NaN, '1']) {
    t.throws(() => new MCoordinator({ stallTimeoutMs: bad as never }), { code: ErrorCode.INVALID_ARGUMENT });
    t.throws(() => mc.addMSink(new Collect(), { stallTimeoutMs: bad as never }), { code: ErrorCode.INVALID_ARGUMENT });
  }
  await mc.close();
});

t.test(
  'MCoordinator: destroy() during a close with a deadline rejects ERR_METRIX_CLOSED and leaves no timer',
  async (t) => {
    const clock = installClock(t);
    const hung = new Hang();
    const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })], msinks: [hung] });
    mc.send('a', 1);
    const closing = mc.close({ timeoutMs: 5000 });
    await clock.tickAsync(10);
    mc.destroy();
    await t.rejects(closing, { code: ErrorCode.CLOSED });
    t.equal(hung.destroyed, true);
    t.equal(mc.stats().sinks[0]?.state, 'destroyed');
    t.equal(mc.stats().sinks[0]?.dropped.destroyed, 1);
    t.equal(clock.countTimers(), 0, 'neither the deadline nor the stall watch is left');
  },
);

t.test('MCoordinator: a sink that throws, one that rejects, one that hangs, one slow — stats add up', async (t) => {
  const clock = installClock(t);
  const thrower = new Collect({ failAt: 3 });
  const rejecter = (e: MElement) => (e.value > 4 ? Promise.reject(new Error('no')) : undefined);
  const hung = new Hang();
  const slow = new Collect({ delayMs: 50 });
  const mc = new MCoordinator({
    mstreams: [new MStream('a', { agg: sum, batchSize: 1 })],
    msinks: [thrower, rejecter, hung, slow],
    stallTimeoutMs: 1000,
    onUnknown: 'drop',
  });
  const sinkErrors: MetrixError[] = [];
  mc.on('sinkError', (err: MetrixError) => sinkErrors.push(err));
  const raw = Array.from({ length: 40 }, (_, i) => ({ name: i % 10 === 9 ? 'nope' : 'a', value: i % 10 }));
  const done = watch(pipeline(Readable.from(raw), mc));
  for (let i = 0; i < 200 && !done.settled; i++) await clock.tickAsync(50);
  t.ok(done.settled, 'the pipeline settled');
  t.equal(MetrixError.is(done.error, ErrorCode.SINK_FAILED), true, 'with the first failure');
  t.same(
    sinkErrors.map((e) => e.code),
    [ErrorCode.SINK_FAILED, ErrorCode.SINK_FAILED, ErrorCode.SINK_STALLED],
  );
  const stats = mc.stats();
  t.equal(stats.elementsIn, 36);
  t.equal(stats.elementsOut, 36);
  t.match(stats.byStream, { a: { in: 36, out: 36 } }, "each stream's own stats, by name");
  t.same(stats.dropped, { unknown: 4, invalid: 0, cardinalityLimit: 0, noSink: 0 });
  t.equal(stats.detached, 3);
  t.same(
    stats.sinks.map((s) => s.state),
    ['failed', 'failed', 'stalled', 'finished'],
  );
  for (const s of stats.sinks) {
    t.equal(s.in, 36);
    t.equal(s.in, s.out + s.queued + s.inFlight + sumDropped(s.dropped), `sink #${s.index} adds up`);
  }
  t.equal(stats.sinks[0]?.out, 3);
  t.equal(stats.sinks[0]?.dropped.failed, 33);
  t.equal(stats.sinks[3]?.out, 36, 'the slow sink got everything');
  t.equal(slow.received.length, 36);
  t.equal(clock.countTimers(), 0, 'no timer left');
});

t.test('MCoordinator: await using closes it at the end of the scope, losing nothing', async (t) => {
  // Node 20.19 defines it as Symbol.for('nodejs.asyncDispose'); newer engines natively.
  t.equal(typeof Symbol.asyncDispose, 'symbol', 'Node >= 20.19 defines Symbol.asyncDispose');
  t.equal(typeof (MCoordinator.prototype as unknown as Record<symbol, unknown>)[Symbol.asyncDispose], 'function');
  const sink = new Collect({ async: true });
  {
    await using mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 2 })], msinks: [sink] });
    for (let i = 0; i < 5; i++) mc.send('a', i);
  }
  t.same(
    sink.received.map((e) => e.value),
    [2, 2, 1],
    'the partial batch too',
  );
  t.equal(sink.writableFinished, true);
});

t.test('MCoordinator: defaultTags and prefix apply to every output, input names stay as they are', async (t) => {
  const sink = new Collect();
  const mc = new MCoordinator({
    mstreams: [new MStream('req', { agg: count, batchSize: 1 })],
    msinks: [sink],
    defaultTags: { host: 'web1', env: 'prod' },
    prefix: 'app.',
  });
  mc.send('req', 1);
  mc.send('req', 1, { tags: { env: 'staging', route: '/' } });
  await mc.close();
  t.same(
    sink.received.map((e) => e.name),
    ['app.req.count', 'app.req.count'],
  );
  t.same(
    sink.received.map((e) => e.tags),
    [
      { env: 'prod', host: 'web1' },
      { env: 'staging', host: 'web1', route: '/' },
    ],
    "a stream's own tag wins over the default",
  );
  t.throws(() => new MCoordinator({ prefix: 1 as never }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MCoordinator({ defaultTags: { a: {} } as never }), { code: ErrorCode.INVALID_TAGS });
});

t.test('MCoordinator: onUnknown { create } makes streams on demand, up to maxStreams', async (t) => {
  const sink = new Collect();
  const made: string[] = [];
  const mc = new MCoordinator({
    mstreams: [new MStream('given', { agg: count, batchSize: 1 })],
    msinks: [sink],
    onUnknown: {
      create: (name) => {
        made.push(name);
        return new MStream(name, { agg: sum, batchSize: 1 });
      },
    },
    maxStreams: 3,
  });
  const limits: MetrixError[] = [];
  mc.on('cardinalityLimit', (err: MetrixError) => limits.push(err));
  mc.send('x', 1);
  mc.write({ name: 'y', value: 2 });
  mc.write({ name: 'z', value: 3 });
  mc.send('x', 4);
  t.equal(mc.send('w', 5), true, 'over the limit: dropped, nothing to wait for');
  mc.time('v', () => 6);
  await mc.close();
  t.same(made, ['x', 'y']);
  t.same([...mc.mstreams.keys()], ['given', 'x', 'y']);
  t.same(show(sink.received).sort(), ['x.sum{}=1', 'x.sum{}=4', 'y.sum{}=2']);
  t.match(limits, [
    { code: ErrorCode.CARDINALITY_LIMIT, input: { name: 'z' } },
    { code: ErrorCode.CARDINALITY_LIMIT, input: 'w' },
    { code: ErrorCode.CARDINALITY_LIMIT, input: 'v' },
  ]);
  t.equal(mc.stats().dropped.cardinalityLimit, 3);

  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  t.teardown(() => {
    process.off('warning', onWarning);
  });
  const unheard = new MCoordinator({
    onUnknown: { create: (name) => new MStream(name, { agg: count, batchSize: 1 }) },
    maxStreams: 1,
  });
  unheard.send('x', 1);
  unheard.send('y', 1);
  unheard.send('z', 1);
  const timer = unheard.timer('w');
  timer[Symbol.dispose]();
  t.equal(timer.stop(), 0, 'a timer over the limit measures nothing');
  await unheard.close();
  await turn();
  t.equal(
    warnings.filter((w) => MetrixError.is(w, ErrorCode.CARDINALITY_LIMIT)).length,
    1,
    "with no 'cardinalityLimit' listener: one process warning, not one per value",
  );
  t.equal(unheard.stats().dropped.cardinalityLimit, 3);

  const wrong = new MCoordinator({ onUnknown: { create: () => new MStream('other', { agg: count, batchSize: 1 }) } });
  t.throws(() => wrong.send('x', 1), { code: ErrorCode.INVALID_ARGUMENT });
  const boom = new Error('template bug');
  const failing = new MCoordinator({
    onUnknown: {
      create: () => {
        throw boom;
      },
    },
  });
  await t.rejects(pipeline(Readable.from([{ name: 'x', value: 1 }]), failing), boom, "the template's error, unchanged");
  t.throws(() => new MCoordinator({ onUnknown: {} as never }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MCoordinator({ maxStreams: 0 }), { code: ErrorCode.INVALID_ARGUMENT });
  await wrong.close();
});

/** A network sink whose backend never answers but "connection refused". */
class Unreachable extends MSinkNetwork {
  constructor() {
    super('Unreachable(test)', {
      batchSize: 10,
      retry: { initialDelayMs: 1000, maxDelayMs: 1000, maxRetries: 2, jitter: 0 },
    });
  }
  protected format(element: MElement): string {
    return element.name;
  }
  protected async sendBatch(): Promise<void> {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4242'), { code: 'ECONNREFUSED' });
  }
}

t.test('MCoordinator: a database that never comes back — close() reports every element it missed', async (t) => {
  // Regression: close() rejected naming "a batch of 10" while 230 elements were undelivered.
  const clock = installClock(t);
  const db = new Unreachable();
  const good = new Collect();
  const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })], msinks: [db, good] });
  const sinkErrors: MetrixError[] = [];
  mc.on('sinkError', (err: MetrixError) => sinkErrors.push(err));
  for (let i = 0; i < 240; i++) mc.send('a', i);
  const closed = watch(mc.close());
  await clock.tickAsync(1000);
  await clock.tickAsync(1000);
  await drain(closed);
  t.ok(closed.settled, 'close() settled after the retries ran out');
  const err = closed.error as MetrixError & { undelivered: { index: number; count: number; state: string }[] };
  t.equal(err, sinkErrors[0]);
  t.equal(err.code, ErrorCode.SINK_FAILED);
  t.match(err.cause, { code: ErrorCode.BACKEND_UNAVAILABLE, message: /gave up on a batch of 10 after 2 retries/ });
  t.same(
    err.undelivered.map((u) => [u.index, u.count, u.state]),
    [[0, 240, 'failed']],
  );
  t.match(
    err.message,
    /in all, not delivered: 240 to sink #0 \(Unreachable\(test\)|in all, not delivered: 240 to sink #0/,
  );
  t.equal(good.received.length, 240, 'the other sink got everything');
  const s = mc.stats().sinks[0];
  t.equal(s?.out, 0, 'nothing the backend never acknowledged counts as out');
  t.equal(s?.retries, 2);
  t.equal(clock.countTimers(), 0, 'no timer left');
});

t.test(
  'MCoordinator: property — with sinks that throw, reject, hang or crawl, and any deadline, close() settles and every element is accounted for',
  async (t) => {
    const kindArb = fc.oneof(
      fc.constant({ kind: 'ok' as const }),
      fc.constant({ kind: 'async' as const }),
      fc.constant({ kind: 'slow' as const }),
      fc.constant({ kind: 'hang' as const }),
      fc.record({ kind: fc.constant('throw' as const), at: fc.nat({ max: 8 }) }),
      fc.record({ kind: fc.constant('reject' as const), at: fc.nat({ max: 8 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(kindArb, { minLength: 1, maxLength: 4 }),
        fc.option(fc.integer({ min: 0, max: 400 })),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        async (kinds, timeoutMs, n, sinkQueueSize) => {
          const clock = FakeTimers.install({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
          try {
            const sinks = kinds.map((k) => {
              switch (k.kind) {
                case 'ok':
                  return new Collect();
                case 'async':
                  return new Collect({ async: true, highWaterMark: 1 });
                case 'slow':
                  return new Collect({ delayMs: 30, highWaterMark: 1 });
                case 'hang':
                  return new Hang();
                case 'throw':
                  return new Collect({ failAt: k.at });
                case 'reject': {
                  let i = 0;
                  return (_e: MElement) => (i++ === k.at ? Promise.reject(new Error('no')) : Promise.resolve());
                }
              }
              throw new Error('unreachable: every kind is handled above');
            });
            const mc = new MCoordinator({
              mstreams: [
                new MStream('a', { agg: count, batchSize: 1 }),
                new MStream('b', { agg: count, batchSize: 2 }),
              ],
              msinks: sinks,
              stallTimeoutMs: 200,
              sinkQueueSize,
            });
            mc.on('sinkError', () => {});
            for (let i = 0; i < n; i++) mc.send(i % 2 ? 'a' : 'b', i);
            const closed = watch(mc.close(timeoutMs === null ? {} : { timeoutMs }));
            for (let i = 0; i < 400 && !closed.settled; i++) {
              await clock.tickAsync(10);
              await turn();
            }
            if (!closed.settled) throw new Error('close() did not settle');
            const stats = mc.stats();
            const undelivered = new Map(
              ((closed.error as { undelivered?: { index: number; count: number }[] })?.undelivered ?? []).map((u) => [
                u.index,
                u.count,
              ]),
            );
            for (const s of stats.sinks) {
              if (s.in !== stats.elementsOut) throw new Error(`sink #${s.index}: in ${s.in} of ${stats.elementsOut}`);
              if (s.queued !== 0 || s.inFlight !== 0) throw new Error(`sink #${s.index}: something left in flight`);
              if (s.in !== s.out + sumDropped(s.dropped)) throw new Error(`sink #${s.index}: does not add up`);
              if (closed.error !== undefined && (undelivered.get(s.index) ?? 0) !== s.in - s.out) {
                throw new Error(`sink #${s.index}: reported ${undelivered.get(s.index)}, missed ${s.in - s.out}`);
              }
              const healthy = ['ok', 'async', 'slow'].includes((kinds[s.index] as { kind: string }).kind);
              if (healthy && timeoutMs === null && (s.state !== 'finished' || s.out !== s.in)) {
                throw new Error(`healthy sink #${s.index} without a deadline: ${s.state}, ${s.out} of ${s.in}`);
              }
            }
            const lost = stats.sinks.some((s) => s.out !== s.in || s.state !== 'finished');
            if (lost !== (closed.error !== undefined))
              throw new Error(`rejected: ${String(closed.error)}, lost: ${lost}`);
            // A slow sink cut off by the deadline may leave its own handler's timer; none of ours.
            const ownTimers = kinds.filter((k) => k.kind === 'slow').length;
            if (clock.countTimers() > ownTimers) throw new Error(`${clock.countTimers()} timers left`);
            return true;
          } finally {
            clock.uninstall();
          }
        },
      ),
      { numRuns: 60 },
    );
    t.pass('held for every generated case');
  },
);

t.test(
  'MCoordinator: property — destroy() at any point rejects close() with ERR_METRIX_CLOSED and leaves no timer of ours',
  async (t) => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        async (n, destroyAfterTicks, withDeadline) => {
          const clock = FakeTimers.install({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
          try {
            const sinks = [new Collect({ delayMs: 20, highWaterMark: 1 }), new Hang(), new Collect()];
            const mc = new MCoordinator({
              mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
              msinks: sinks,
              rateLimit: [null, null, 0.05],
              stallTimeoutMs: 500,
            });
            mc.on('sinkError', () => {});
            for (let i = 0; i < n; i++) mc.send('a', i);
            const closed = watch(mc.close(withDeadline ? { timeoutMs: 300 } : {}));
            for (let i = 0; i < destroyAfterTicks && !closed.settled; i++) await clock.tickAsync(25);
            const settledBefore = closed.settled;
            mc.destroy();
            await drain(closed, 100);
            if (!closed.settled) throw new Error('close() did not settle after destroy()');
            if (!settledBefore && !MetrixError.is(closed.error, ErrorCode.CLOSED)) {
              throw new Error(`close() settled with ${String(closed.error)}`);
            }
            for (const s of mc.stats().sinks) {
              if (s.in !== s.out + s.queued + s.inFlight + sumDropped(s.dropped)) throw new Error('does not add up');
              if (s.queued !== 0 || s.inFlight !== 0) throw new Error(`sink #${s.index}: ${s.state} with work left`);
            }
            if (!sinks.every((s) => s.destroyed || s.writableFinished)) throw new Error('a sink was left running');
            // Only the slow sink's own handler timer may remain.
            if (clock.countTimers() > 1) throw new Error(`${clock.countTimers()} timers left`);
            return true;
          } finally {
            clock.uninstall();
          }
        },
      ),
      { numRuns: 60 },
    );
    t.pass('held for every generated case');
  },
);

/** A network sink whose backend refuses the first `down` attempts, then stores everything. */
class ComesBack extends MSinkNetwork {
  readonly stored: string[] = [];
  #down: number;
  constructor(down: number) {
    super('ComesBack(test)', {
      batchSize: 5,
      flushIntervalMs: 0,
      retry: { initialDelayMs: 400, maxDelayMs: 400, maxRetries: 10, jitter: 0 },
    });
    this.#down = down;
  }
  protected format(element: MElement): string {
    return String(element.value);
  }
  protected async sendBatch(lines: readonly string[]): Promise<void> {
    if (this.#down-- > 0) throw new Error('connect ECONNREFUSED');
    this.stored.push(...lines);
  }
}

t.test('MCoordinator: a database that goes away and comes back — retrying is not a stall, nothing lost', async (t) => {
  const clock = installClock(t);
  const db = new ComesBack(6);
  const good = new Collect();
  const mc = new MCoordinator({
    mstreams: [new MStream('a', { agg: sum, batchSize: 1 })],
    msinks: [db, good],
    stallTimeoutMs: 500, // shorter than the outage (6 × 400 ms), longer than one backoff
  });
  mc.on('sinkError', (err: Error) => t.fail(`no sink may be detached: ${err.message}`));
  for (let i = 0; i < 30; i++) mc.send('a', i);
  const closed = watch(mc.close());
  for (let i = 0; i < 20 && !closed.settled; i++) {
    await clock.tickAsync(400);
    await drain(closed, 50);
  }
  t.same(closed, { settled: true, value: undefined }, 'close() resolved');
  t.same(
    db.stored.map(Number),
    Array.from({ length: 30 }, (_, i) => i),
    'every element stored once, in order',
  );
  const s = mc.stats().sinks[0];
  t.equal(s?.retries, 6);
  t.equal(s?.state, 'finished');
  t.equal(s?.out, 30);
  t.equal(good.received.length, 30);
});

t.test(
  "MCoordinator: each sink's own stall timeout applies unless the coordinator or addMSink gives one",
  async (t) => {
    const clock = installClock(t);
    /** A text target whose reader is paused: it accepts bytes and acknowledges none. */
    const paused = () => {
      const held: (() => void)[] = [];
      const w = new NodeWritable({
        highWaterMark: 1,
        write(_chunk, _enc, cb) {
          held.push(cb);
        },
      });
      return { w, held };
    };
    const a = paused();
    const b = paused();
    const c = paused();
    const hung = new Hang();
    const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })] });
    mc.on('sinkError', () => {});
    mc.addMSink(new MSinkNDJSON(a.w)); // its own: Infinity, its reader sets the pace
    mc.addMSink(hung); // none of its own: 60 s
    mc.addMSink(new MSinkNDJSON(b.w), { stallTimeoutMs: 1000 }); // addMSink wins
    for (let i = 0; i < 3; i++) mc.send('a', i);
    await clock.tickAsync(1000);
    t.same(
      mc.stats().sinks.map((s) => s.state),
      ['open', 'open', 'stalled'],
    );
    await clock.tickAsync(59_000);
    t.same(
      mc.stats().sinks.map((s) => s.state),
      ['open', 'stalled', 'stalled'],
      'the sink without a timeout of its own: the 60 s default',
    );
    await clock.tickAsync(10 * 60_000);
    t.equal(mc.stats().sinks[0]?.state, 'open', 'a printer or NDJSON sink waits for its reader as long as it takes');
    const closing = watch(mc.close());
    for (let i = 0; i < 50 && !closing.settled; i++) {
      for (const cb of a.held.splice(0)) cb();
      await turn();
    }
    t.ok(closing.settled);
    t.equal(mc.stats().sinks[0]?.state, 'finished');
    t.equal(mc.stats().sinks[0]?.out, 3, 'and received everything');

    const strict = new MCoordinator({
      mstreams: [new MStream('a', { agg: count, batchSize: 1 })],
      msinks: [new MSinkNDJSON(c.w)],
      stallTimeoutMs: 500,
    });
    strict.on('sinkError', () => {});
    strict.send('a', 1);
    await clock.tickAsync(500);
    t.equal(strict.stats().sinks[0]?.state, 'stalled', "an explicit coordinator option overrides the sink's own");
    await strict.close().catch(() => {});
  },
);

t.test('MSinkNetwork: its own stall timeout is twice its longest healthy silence, at least 60 s', async (t) => {
  class Net extends MSinkNetwork {
    protected format(): string {
      return '';
    }
    protected async sendBatch(): Promise<void> {}
  }
  t.equal(new Net('n', {}).stallTimeoutMs, 60_000, 'defaults: 2 × (10 s + 10 s) < 60 s');
  t.equal(new Net('n', { timeoutMs: 50_000, retry: { maxDelayMs: 20_000 } }).stallTimeoutMs, 140_000);
});

t.test(
  'MCoordinator: a database that never comes back, retried for ever — the deadline ends it with the exact count',
  async (t) => {
    const clock = installClock(t);
    class Forever extends MSinkNetwork {
      constructor() {
        super('Forever(test)', {
          batchSize: 10,
          maxInFlight: 2,
          retry: { initialDelayMs: 500, maxDelayMs: 500, maxRetries: Number.POSITIVE_INFINITY, jitter: 0 },
        });
      }
      protected format(element: MElement): string {
        return element.name;
      }
      protected async sendBatch(): Promise<void> {
        throw new Error('connect ECONNREFUSED');
      }
    }
    const db = new Forever();
    const good = new Collect();
    const mc = new MCoordinator({ mstreams: [new MStream('a', { agg: count, batchSize: 1 })], msinks: [db, good] });
    mc.on('sinkError', (err: Error) => t.fail(`retrying is not failing: ${err.message}`));
    for (let i = 0; i < 100; i++) mc.send('a', i);
    const closed = watch(mc.close({ timeoutMs: 3000 }));
    await clock.tickAsync(2999);
    t.notOk(closed.settled);
    await clock.tickAsync(1);
    await drain(closed);
    const err = closed.error as MetrixError & { undelivered: { index: number; count: number; state: string }[] };
    t.equal(err.code, ErrorCode.CLOSE_TIMEOUT);
    const byIndex = new Map(err.undelivered.map((u) => [u.index, u]));
    t.same(
      [byIndex.get(0)?.count, byIndex.get(0)?.state],
      [100, 'closeTimeout'],
      'everything, including the batches it held and retried, counted against that sink',
    );
    t.ok(good.received.length < 100, 'the full queue of the retrying sink paced the other one');
    t.equal((byIndex.get(1)?.count ?? 0) + good.received.length, 100, 'which got the rest counted exactly');
    t.equal(db.destroyed, true);
    t.ok((mc.stats().sinks[0]?.retries ?? 0) >= 10, 'it was retrying all along');
    t.equal(clock.countTimers(), 0, 'no backoff, batching or stall timer left');
  },
);

t.test(
  'MCoordinator: a stream that cannot flush (held by another reader) does not keep close() past its deadline',
  async (t) => {
    const clock = installClock(t);
    const mstream = new MStream('a', { agg: count, batchSize: 1, highWaterMark: 1 });
    // Someone else reads the stream too, and never acknowledges: its backpressure holds the stream.
    const other = new NodeWritable({ objectMode: true, highWaterMark: 1, write() {} });
    mstream.pipe(other as never);
    const sink = new Collect();
    const mc = new MCoordinator({ mstreams: [mstream], msinks: [sink] });
    for (let i = 0; i < 50; i++) mc.send('a', i);
    const closed = watch(mc.close({ timeoutMs: 1000 }));
    await clock.tickAsync(1000);
    await drain(closed, 50);
    t.notOk(closed.settled, 'at the deadline the stream still cannot end');
    await clock.tickAsync(1000);
    await drain(closed, 50);
    t.ok(closed.settled, 'one second later everything is stopped');
    t.match(closed.error, {
      code: ErrorCode.CLOSE_TIMEOUT,
      message: /1000 ms deadline passed; the streams had not flushed 1000 ms after it/,
    });
    t.equal(mc.destroyed, true);
    t.equal(clock.countTimers(), 0, 'no timer left');
  },
);
