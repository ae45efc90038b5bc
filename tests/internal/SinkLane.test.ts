import fc from 'fast-check';
import { Writable } from 'readable-stream';
import t from 'tap';
import { SinkLane } from '../../src/internal/SinkLane.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import type { ObjectWritable } from '../../src/sinks/toSink.js';
import { installClock } from '../helpers/clock.js';

const el = (v: number) => new MElement('m', v, { time: 0 });
const opts = (rateLimitMs: number, capacity: number, stallTimeoutMs = Number.POSITIVE_INFINITY) => ({
  rateLimitMs,
  capacity,
  stallTimeoutMs,
});

/** An object-mode sink recording values and `performance.now()` per element; `hold` keeps callbacks. */
function recorder(options: { highWaterMark?: number; hold?: boolean; handleMs?: number } = {}) {
  const values: number[] = [];
  const times: number[] = [];
  const pending: (() => void)[] = [];
  const sink = new Writable({
    objectMode: true,
    highWaterMark: options.highWaterMark ?? 16,
    write(element: MElement, _enc: unknown, cb: (err?: Error | null) => void) {
      values.push(element.value);
      times.push(performance.now());
      if (options.hold) pending.push(() => cb());
      else if (options.handleMs) setTimeout(cb, options.handleMs);
      else cb();
    },
  });
  return { sink: sink as unknown as ObjectWritable, values, times, pending };
}

function hooks() {
  const log = { room: 0, failures: [] as unknown[], stalls: [] as number[] };
  return {
    log,
    hooks: {
      onRoom: () => log.room++,
      onFail: (_l: SinkLane, cause: unknown) => log.failures.push(cause),
      onStall: (_l: SinkLane, idleMs: number) => log.stalls.push(idleMs),
    },
  };
}

/** The accounting identity every lane keeps. */
function adds(lane: SinkLane): boolean {
  const dropped = Object.values(lane.dropped).reduce((a, b) => a + b, 0);
  return lane.received === lane.delivered + lane.queued + lane.unacknowledged + dropped;
}

t.test('SinkLane: without a rate limit, delivers in order and ends the sink', async (t) => {
  const { sink, values } = recorder();
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, opts(0, 4), h);
  for (let i = 0; i < 10; i++) lane.push(el(i));
  await lane.end();
  t.same(values, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.equal(lane.delivered, 10);
  t.equal((sink as unknown as Writable).writableFinished, true);
  t.same(log.failures, []);
});

t.test('SinkLane: a rate limit spaces elements, delays and never drops', async (t) => {
  const clock = installClock(t);
  const { sink, values, times } = recorder();
  const lane = new SinkLane(sink, 0, opts(1000, 16), hooks().hooks);
  for (let i = 0; i < 4; i++) lane.push(el(i));
  let ended = false;
  lane.end().then(() => {
    ended = true;
  });
  await clock.tickAsync(0);
  t.same(values, [0], 'the first element goes at once');
  await clock.tickAsync(999);
  t.same(values, [0], 'not a millisecond early');
  await clock.tickAsync(1);
  t.same(values, [0, 1]);
  await clock.tickAsync(2000);
  t.same(values, [0, 1, 2, 3]);
  t.same(
    times.map((x) => x - (times[0] as number)),
    [0, 1000, 2000, 3000],
  );
  await clock.tickAsync(0);
  t.ok(ended, 'end() resolves once the last one was delivered and the sink finished');
});

t.test('SinkLane: with a rate limit, a slow handler is never overlapped', async (t) => {
  const clock = installClock(t);
  const { sink, times } = recorder({ handleMs: 1500 });
  const lane = new SinkLane(sink, 0, opts(1000, 16), hooks().hooks);
  for (let i = 0; i < 3; i++) lane.push(el(i));
  const done = lane.end();
  await clock.tickAsync(5000);
  await done;
  t.same(
    times.map((x) => x - (times[0] as number)),
    [0, 1500, 3000],
    'each waits for the previous to be handled',
  );
});

t.test('SinkLane: full at capacity; onRoom when it has room again', async (t) => {
  const { sink, values, pending } = recorder({ hold: true, highWaterMark: 1 });
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, opts(0, 2), h);
  lane.push(el(0)); // handed to the sink, which holds it: its buffer (highWaterMark 1) is full
  lane.push(el(1)); // queued from here on
  lane.push(el(2));
  t.equal(lane.full, true);
  lane.push(el(3)); // the lane does not refuse: its coordinator stops reading when it is full
  t.equal(lane.queued, 3);
  t.equal(lane.full, true);
  t.equal(log.room, 0);
  while (pending.length > 0) {
    (pending.shift() as () => void)();
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.equal(lane.full, false);
  t.equal(log.room, 1);
  t.same(values, [0, 1, 2, 3]);
});

t.test('SinkLane: a failing sink is reported once, its queue dropped and counted', async (t) => {
  const boom = new Error('boom');
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(_e: unknown, _enc: unknown, cb: (err?: Error) => void) {
      setImmediate(() => cb(boom));
    },
  }) as unknown as ObjectWritable;
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, opts(0, 2), h);
  for (let i = 0; i < 4; i++) lane.push(el(i));
  t.equal(lane.full, true);
  await lane.end();
  t.same(log.failures, [boom]);
  t.equal(log.room, 1, 'a full lane that fails makes room');
  t.equal(lane.state, 'failed');
  t.equal(lane.full, false);
  lane.push(el(9));
  t.equal(lane.dropped.failed, 5, 'the one it held, three queued and one pushed after the failure');
  t.ok(adds(lane));
});

t.test('SinkLane: a sink whose write() or end() throws has failed', async (t) => {
  const boom = new Error('bad write');
  const base = recorder().sink;
  const throwing = Object.assign(Object.create(base), {
    write() {
      throw boom;
    },
  }) as ObjectWritable;
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(throwing, 0, opts(0, 2), h);
  lane.push(el(1));
  t.same(log.failures, [boom]);
  const badEnd = Object.assign(Object.create(recorder().sink), {
    end() {
      throw boom;
    },
  }) as ObjectWritable;
  const other = hooks();
  await new SinkLane(badEnd, 1, opts(0, 2), other.hooks).end();
  t.same(other.log.failures, [boom]);
});

t.test('SinkLane: a sink closed before it was ended is a failure (ERR_METRIX_CLOSED)', async (t) => {
  const { sink } = recorder();
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, opts(0, 2), h);
  sink.destroy();
  await lane.end();
  t.match(log.failures, [{ code: ErrorCode.CLOSED }]);
});

t.test('SinkLane: stop() clears the rate-limit timer and destroys the sink', async (t) => {
  const clock = installClock(t);
  const { sink, values } = recorder();
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, opts(1000, 16), h);
  lane.push(el(0));
  lane.push(el(1));
  await new Promise((resolve) => setImmediate(resolve)); // the first write's callback
  t.equal(clock.countTimers(), 1, 'waiting for the rate limit');
  lane.stop();
  t.equal(clock.countTimers(), 0);
  await lane.end();
  await clock.tickAsync(2000);
  t.same(values, [0]);
  t.equal((sink as unknown as Writable).destroyed, true);
  t.same(log.failures, [], 'stopping is not a failure');
  t.equal(lane.dropped.destroyed, 1);
  t.equal(lane.state, 'destroyed');
  t.ok(adds(lane));
});

/** A sink that never calls back: its Promise never settles, as a hung database client's. */
function hung() {
  const values: number[] = [];
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(element: MElement) {
      values.push(element.value);
    },
  });
  return { sink: sink as unknown as ObjectWritable, values };
}

t.test('SinkLane: a sink that never calls back is detached after the stall timeout, not before', async (t) => {
  const clock = installClock(t);
  const { sink, values } = hung();
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, opts(0, 2, 1000), h);
  for (let i = 0; i < 5; i++) lane.push(el(i));
  t.equal(lane.full, true);
  await clock.tickAsync(999);
  t.same(log.stalls, [], 'not a millisecond early');
  t.equal(lane.state, 'open');
  await clock.tickAsync(1);
  t.same(log.stalls, [1000]);
  t.equal(lane.state, 'stalled');
  t.equal(log.room, 1, 'a full lane that stalls makes room');
  t.equal((sink as unknown as Writable).destroyed, true, 'the hung sink is destroyed');
  t.same(values, [0]);
  t.equal(lane.dropped.stalled, 5, 'the one it held and the four queued');
  lane.push(el(5));
  t.equal(lane.dropped.stalled, 6);
  await lane.end();
  t.ok(adds(lane));
  t.same(log.failures, [], 'a stall is reported once, as a stall');
  t.equal(clock.countTimers(), 0, 'no timer left');
});

t.test('SinkLane: a slow sink that keeps answering is never stalled', async (t) => {
  const clock = installClock(t);
  const { sink, values } = recorder({ handleMs: 600, highWaterMark: 1 });
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, opts(0, 16, 1000), h);
  for (let i = 0; i < 10; i++) lane.push(el(i));
  const done = lane.end();
  await clock.tickAsync(6000);
  await done;
  t.same(log.stalls, []);
  t.equal(values.length, 10);
  t.equal(lane.state, 'finished');
  t.equal(lane.delivered, 10);
  t.equal(clock.countTimers(), 0, 'no timer left');
});

t.test("SinkLane: a sink's 'retry' events are signs of life, and counted", async (t) => {
  const clock = installClock(t);
  const pending: (() => void)[] = [];
  const sink = new Writable({
    objectMode: true,
    write(_e: MElement, _enc: unknown, cb: () => void) {
      pending.push(cb);
    },
  });
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink as unknown as ObjectWritable, 0, opts(0, 16, 1000), h);
  lane.push(el(0));
  for (let i = 0; i < 8; i++) {
    await clock.tickAsync(500);
    sink.emit('retry', new Error('refused'), i + 1, 500);
  }
  t.same(log.stalls, [], 'four seconds without an answer, but retrying');
  t.equal(lane.retries, 8);
  (pending.shift() as () => void)();
  await lane.end();
  t.equal(lane.state, 'finished');
});

t.test('SinkLane: a sink whose end never finishes stalls too', async (t) => {
  const clock = installClock(t);
  const sink = new Writable({
    objectMode: true,
    write(_e: MElement, _enc: unknown, cb: () => void) {
      cb();
    },
    final() {}, // never calls back
  });
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink as unknown as ObjectWritable, 0, opts(0, 16, 500), h);
  lane.push(el(0));
  await clock.tickAsync(10_000); // idle long before the end: the watch starts at the end
  let ended = false;
  lane.end().then(() => {
    ended = true;
  });
  await clock.tickAsync(499);
  t.same(log.stalls, []);
  await clock.tickAsync(1);
  t.same(log.stalls, [500]);
  t.ok(ended, 'end() settles once the sink is detached');
  t.equal(lane.delivered, 1, 'what it acknowledged stays delivered');
});

t.test(
  'SinkLane: the stall watch keeps no process alive while running, and does once the lane is ending',
  async (t) => {
    const pending: (() => void)[] = [];
    const sink = new Writable({
      objectMode: true,
      write(_e: MElement, _enc: unknown, cb: () => void) {
        pending.push(cb);
      },
    });
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const lane = new SinkLane(sink as unknown as ObjectWritable, 0, opts(0, 16, 60_000), hooks().hooks);
    lane.push(el(0));
    t.equal(timeouts(), before, 'a program that is done may exit though the sink owes an answer');
    void lane.end();
    t.equal(timeouts(), before + 1, 'a close() waits for the verdict: the watch keeps the process up');
    (pending.shift() as () => void)();
    await lane.end();
    t.equal(lane.state, 'finished');
    t.equal(timeouts(), before, 'and it is gone once the sink finished');
  },
);

t.test(
  'SinkLane: a sink that answers, then goes silent, is detached within two periods of its last answer',
  async (t) => {
    const clock = installClock(t);
    const pending: (() => void)[] = [];
    const sink = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(_e: MElement, _enc: unknown, cb: () => void) {
        pending.push(cb);
      },
    });
    const { log, hooks: h } = hooks();
    const lane = new SinkLane(sink as unknown as ObjectWritable, 0, opts(0, 16, 1000), h);
    lane.push(el(0));
    lane.push(el(1));
    await clock.tickAsync(300);
    (pending.shift() as () => void)(); // its last answer, at 300 ms; element 1 is owed from then on
    await clock.tickAsync(1000);
    t.same(log.stalls, [], 'at 1000 ms the period had an answer');
    await clock.tickAsync(1000);
    t.same(log.stalls, [1000], 'at 2000 ms a whole period without one: within two periods of the last answer');
  },
);

t.test("SinkLane: stop('closeTimeout') counts what the sink still held as undelivered", async (t) => {
  const pending: (() => void)[] = [];
  const sink = Object.assign(
    new Writable({
      objectMode: true,
      highWaterMark: 2,
      write(_e: MElement, _enc: unknown, cb: () => void) {
        pending.push(cb);
      },
    }),
    { undeliveredCount: 0 },
  );
  const lane = new SinkLane(sink as unknown as ObjectWritable, 0, opts(0, 16), hooks().hooks);
  for (let i = 0; i < 6; i++) lane.push(el(i));
  (pending.shift() as () => void)();
  await new Promise((resolve) => setImmediate(resolve));
  sink.undeliveredCount = 1; // acknowledged, but still in the sink's own batch
  t.equal(lane.delivered, 1);
  lane.stop('closeTimeout');
  t.equal(lane.state, 'closeTimeout');
  t.equal(lane.delivered, 0);
  t.equal(lane.dropped.closeTimeout, 6);
  t.equal(lane.undelivered, 6);
  t.ok(adds(lane));
  (pending.shift() as () => void)(); // a late callback changes nothing
  t.equal(lane.delivered, 0);
  t.ok(adds(lane));
});

t.test('SinkLane: property — received = delivered + queued + unacknowledged + dropped, at every step', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        highWaterMark: fc.integer({ min: 1, max: 4 }),
        capacity: fc.integer({ min: 1, max: 4 }),
        failAt: fc.option(fc.nat({ max: 20 })),
        hangAt: fc.option(fc.nat({ max: 20 })),
        async: fc.boolean(),
        // A rate limit shorter than a turn of the event loop: the one-at-a-time path, no waiting.
        rateLimitMs: fc.constantFrom(0, 0.01),
      }),
      fc.array(fc.constantFrom('push', 'push', 'push', 'turn', 'stop'), { maxLength: 40 }),
      async (spec, steps) => {
        let n = 0;
        const sink = new Writable({
          objectMode: true,
          highWaterMark: spec.highWaterMark,
          write(_e: MElement, _enc: unknown, cb: (err?: Error) => void) {
            const i = n++;
            if (i === spec.hangAt) return;
            const answer = () => cb(i === spec.failAt ? new Error('down') : undefined);
            if (spec.async) setImmediate(answer);
            else answer();
          },
        });
        sink.on('error', () => {});
        const lane = new SinkLane(
          sink as unknown as ObjectWritable,
          0,
          opts(spec.rateLimitMs, spec.capacity),
          hooks().hooks,
        );
        let v = 0;
        for (const step of steps) {
          if (step === 'push') lane.push(el(v++));
          else if (step === 'stop') lane.stop('closeTimeout');
          else await new Promise((resolve) => setImmediate(resolve));
          if (!adds(lane)) return false;
        }
        if (spec.hangAt === undefined || spec.hangAt === null) await lane.end();
        else lane.stop();
        await new Promise((resolve) => setImmediate(resolve));
        return adds(lane) && lane.received === v && lane.queued === 0 && lane.unacknowledged === 0;
      },
    ),
    { numRuns: 200 },
  );
  t.pass('held for every generated case');
});
