import { Writable } from 'readable-stream';
import t from 'tap';
import { SinkLane } from '../../src/internal/SinkLane.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import type { ObjectWritable } from '../../src/sinks/toSink.js';
import { installClock } from '../helpers/clock.js';

const el = (v: number) => new MElement('m', v, { time: 0 });

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
  const log = { room: 0, failures: [] as unknown[] };
  return {
    log,
    hooks: { onRoom: () => log.room++, onFail: (_l: SinkLane, cause: unknown) => log.failures.push(cause) },
  };
}

t.test('SinkLane: without a rate limit, delivers in order and ends the sink', async (t) => {
  const { sink, values } = recorder();
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, 0, 4, h);
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
  const lane = new SinkLane(sink, 0, 1000, 16, hooks().hooks);
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
  const lane = new SinkLane(sink, 0, 1000, 16, hooks().hooks);
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
  const lane = new SinkLane(sink, 0, 0, 2, h);
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
  const lane = new SinkLane(sink, 0, 0, 2, h);
  for (let i = 0; i < 4; i++) lane.push(el(i));
  t.equal(lane.full, true);
  await lane.end();
  t.same(log.failures, [boom]);
  t.equal(log.room, 1, 'a full lane that fails makes room');
  t.equal(lane.failed, true);
  t.equal(lane.full, false);
  lane.push(el(9));
  t.equal(lane.dropped, 4, 'three queued and one pushed after the failure');
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
  const lane = new SinkLane(throwing, 0, 0, 2, h);
  lane.push(el(1));
  t.same(log.failures, [boom]);
  const badEnd = Object.assign(Object.create(recorder().sink), {
    end() {
      throw boom;
    },
  }) as ObjectWritable;
  const other = hooks();
  await new SinkLane(badEnd, 1, 0, 2, other.hooks).end();
  t.same(other.log.failures, [boom]);
});

t.test('SinkLane: a sink closed before it was ended is a failure (ERR_METRIX_CLOSED)', async (t) => {
  const { sink } = recorder();
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, 0, 2, h);
  sink.destroy();
  await lane.end();
  t.match(log.failures, [{ code: ErrorCode.CLOSED }]);
});

t.test('SinkLane: stop() clears the rate-limit timer and destroys the sink', async (t) => {
  const clock = installClock(t);
  const { sink, values } = recorder();
  const { log, hooks: h } = hooks();
  const lane = new SinkLane(sink, 0, 1000, 16, h);
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
  t.equal(lane.dropped, 1);
});
