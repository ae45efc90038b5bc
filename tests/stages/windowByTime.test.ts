import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Transform } from 'readable-stream';
import t from 'tap';
import { max, sum } from '../../src/aggregators/builtins.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode, type MetrixError } from '../../src/MetrixError.js';
import { groupByKey } from '../../src/stages/groupByKey.js';
import { windowByTime } from '../../src/stages/windowByTime.js';
import { installClock, T0 } from '../helpers/clock.js';
import { nextError } from '../helpers/streams.js';
import { groupValues, valuesOf } from '../helpers/windows.js';

function collect(stage: Transform): MetricWindow[] {
  const out: MetricWindow[] = [];
  stage.on('data', (w: MetricWindow) => out.push(w));
  return out;
}
const ended = (stage: Transform) => new Promise((r) => stage.once('end', r));
const el = (v: number, tags?: Record<string, string>) => new MElement('m', v, { tags });

t.test('windowByTime: smoke — emits each window at its end, stamped with the end, grouped by series', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(1);
  const out = collect(stage);
  stage.write(el(1, { x: '1' }));
  stage.write({ value: 2 });
  stage.write(3);
  stage.write({ value: 4, tags: { x: '1' } });
  await clock.tickAsync(999);
  t.same(out, [], 'nothing before the window ends');
  await clock.tickAsync(1);
  t.equal(out.length, 1);
  t.same([out[0]?.start, out[0]?.end, out[0]?.time, out[0]?.count], [T0, T0 + 1000, T0 + 1000, 4]);
  t.same(groupValues(out[0] as MetricWindow), [
    ['x:1', [1, 4]],
    ['', [2, 3]],
  ]);
  stage.write(5);
  await clock.tickAsync(1000);
  t.same(out.map(valuesOf), [[1, 4, 2, 3], [5]]);
  t.equal(out[1]?.time, T0 + 2000);
  stage.destroy();
});

t.test('windowByTime: takes the KeyedValues of groupByKey', async (t) => {
  const clock = installClock(t);
  const keyed = groupByKey({ defaultTags: { host: 'h' } });
  const stage = keyed.pipe(windowByTime(1));
  const out = collect(stage);
  keyed.write({ value: 1, tags: { x: '1' } });
  keyed.write(2);
  keyed.write({ value: 3, tags: { x: '1' } });
  await clock.tickAsync(1000);
  t.same(groupValues(out[0] as MetricWindow), [
    ['host:h|x:1', [1, 3]],
    ['host:h', [2]],
  ]);
  stage.destroy();
  keyed.destroy();
});

t.test('windowByTime: with agg, windows keep the states those aggregations read', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(1, { agg: [sum, max] });
  const out = collect(stage);
  for (const v of [3, 9, 1]) stage.write(v);
  await clock.tickAsync(1000);
  const w = out[0] as MetricWindow;
  t.same(
    w.plan.kinds.map((k) => k.id),
    ['summary'],
    'sum and max share one state',
  );
  t.same(
    w.plan.aggregators.map((a) => a.name),
    ['sum', 'max'],
  );
  t.equal(sum.aggregator.result(w.groups[0]?.states[0] as never), 13);
  t.equal(max.aggregator.result(w.groups[0]?.states[0] as never), 9);
  stage.destroy();
});

t.test('windowByTime: empty windows are emitted with count 0', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(0.5);
  const out = collect(stage);
  await clock.tickAsync(1500);
  t.same(
    out.map((w) => [w.end, w.count, w.groups.length]),
    [
      [T0 + 500, 0, 0],
      [T0 + 1000, 0, 0],
      [T0 + 1500, 0, 0],
    ],
  );
  stage.destroy();
});

t.test('windowByTime: windows are aligned to the clock, not to construction time', async (t) => {
  const clock = installClock(t, T0 + 300);
  const stage = windowByTime(1);
  const out = collect(stage);
  stage.write(1);
  await clock.tickAsync(700);
  t.same(out.map(valuesOf), [[1]]);
  t.same([out[0]?.start, out[0]?.end], [T0, T0 + 1000]);
  stage.destroy();
});

t.test('windowByTime: end of input emits the open window (remainder) and clears the timer', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(10);
  const out = collect(stage);
  stage.write(1);
  await clock.tickAsync(3000);
  stage.write(2);
  stage.end();
  await ended(stage);
  t.same(out.map(valuesOf), [[1, 2]]);
  t.equal(out[0]?.time, T0 + 10_000, 'stamped with the window end');
  t.equal(clock.countTimers(), 0, 'no timer left');
});

t.test('windowByTime: exact windows then the remainder at end of input', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(1);
  const out = collect(stage);
  stage.write(1);
  await clock.tickAsync(1000);
  stage.write(2);
  await clock.tickAsync(1000);
  stage.write(3);
  stage.end();
  await ended(stage);
  t.same(out.map(valuesOf), [[1], [2], [3]]);
  t.same(
    out.map((w) => w.time),
    [T0 + 1000, T0 + 2000, T0 + 3000],
  );
});

t.test('windowByTime: empty input gives no output and leaves no timer', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(1);
  const out = collect(stage);
  stage.end();
  await ended(stage);
  t.same(out, []);
  t.equal(clock.countTimers(), 0);
});

t.test('windowByTime: one item', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(2);
  const out = collect(stage);
  stage.write(el(7));
  await clock.tickAsync(2000);
  t.same(out.map(valuesOf), [[7]]);
  stage.destroy();
});

t.test('windowByTime: a blocked event loop gives one window, then realigns', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(1);
  const out = collect(stage);
  stage.write(1);
  // The loop was busy for 2.5 s: the clock moved, no timer ran (fake-timers shifts pending timers).
  clock.setSystemTime(T0 + 2500);
  stage.write(2);
  await clock.tickAsync(1000); // the overdue timer runs at T0 + 3500
  t.same(out.map(valuesOf), [[1, 2]], 'what arrived before the timer ran is in the overdue window');
  t.equal(out[0]?.time, T0 + 1000);
  await clock.tickAsync(500);
  t.same(out.map(valuesOf), [[1, 2], []]);
  t.same([out[1]?.start, out[1]?.time], [T0 + 3000, T0 + 4000], 'the next window ends on the clock grid');
  stage.destroy();
});

t.test('windowByTime: fractional seconds', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(0.25);
  const out = collect(stage);
  stage.write(1);
  await clock.tickAsync(250);
  stage.write(2);
  await clock.tickAsync(250);
  t.same(out.map(valuesOf), [[1], [2]]);
  t.same(
    out.map((w) => w.end),
    [T0 + 250, T0 + 500],
  );
  stage.destroy();
});

t.test('windowByTime: a tight loop of writes that never yields has its window closed within 64 values', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(1);
  const n = 300;
  let closedAt = -1;
  for (let i = 0; i < n; i++) {
    if (i === 100) clock.setSystemTime(T0 + 1000); // the window's end passes; no timer can run
    stage.write(i);
    if (closedAt < 0 && stage.readableLength > 0) closedAt = i;
  }
  t.ok(closedAt >= 100 && closedAt < 100 + 64, `closed by write ${closedAt}, the end passed at write 100`);
  stage.end();
  const out = (await stage.toArray()) as MetricWindow[];
  t.equal(out[0]?.end, T0 + 1000);
  t.equal(out[0]?.count, closedAt, 'the value that closed it went to the next window');
  t.same(
    out.flatMap(valuesOf),
    Array.from({ length: n }, (_, i) => i),
    'nothing lost, order kept',
  );
  t.equal(out[1]?.start, T0 + 1000);
});

t.test('windowByTime: invalid arguments throw with their codes', async (t) => {
  for (const s of [
    0,
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '1' as unknown as number,
    undefined as unknown as number,
  ]) {
    t.throws(() => windowByTime(s), { code: ErrorCode.INVALID_GROUPING }, `seconds ${String(s)}`);
  }
  for (const windowTime of ['processing', '', null, 1]) {
    t.throws(
      () => windowByTime(1, { windowTime: windowTime as never }),
      { code: ErrorCode.INVALID_ARGUMENT },
      `windowTime ${String(windowTime)}`,
    );
  }
  for (const allowedLateness of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1', null]) {
    t.throws(
      () => windowByTime(1, { windowTime: 'event', allowedLateness: allowedLateness as never }),
      { code: ErrorCode.INVALID_ARGUMENT },
      `allowedLateness ${String(allowedLateness)}`,
    );
  }
  for (const agg of [[], {}, 'sum', 1, [sum, sum], [() => 1]]) {
    t.throws(() => windowByTime(1, { agg: agg as never }), { code: ErrorCode.INVALID_AGG }, `agg ${String(agg)}`);
  }
  t.throws(() => windowByTime(1, { highWaterMark: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('windowByTime: an invalid element fails the stage with its code', async (t) => {
  const clock = installClock(t);
  for (const [input, code] of [
    [Number.NaN, ErrorCode.INVALID_VALUE],
    [{ value: 1, tags: 'x' }, ErrorCode.INVALID_TAGS],
    [{ value: 1, time: Number.NaN }, ErrorCode.INVALID_TIME],
    [true, ErrorCode.INVALID_ELEMENT],
  ] as const) {
    const stage = windowByTime(1);
    const err = nextError(stage);
    stage.write(input);
    t.match(await err, { code }, String(input));
    t.equal(clock.countTimers(), 0, 'the failed stage released its timer');
  }
});

t.test('windowByTime: destroy() mid-stream clears its timer and drops the window', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(1);
  const out = collect(stage);
  stage.write(1);
  t.equal(clock.countTimers(), 1);
  stage.destroy();
  t.equal(clock.countTimers(), 0);
  await clock.tickAsync(5000);
  t.same(out, []);
  const event = windowByTime(1, { windowTime: 'event' });
  const eventOut = collect(event);
  event.write({ value: 1, time: T0 });
  event.destroy();
  await new Promise((r) => event.once('close', r));
  t.same(eventOut, [], 'event time: nothing emitted after destroy');
});

t.test('windowByTime: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const clock = installClock(t);
  const stage = windowByTime(1, { highWaterMark: 1 });
  // No reader: windows pile up in the readable buffer; writes must start returning false.
  let ok = true;
  let i = 0;
  for (; i < 10 && ok; i++) {
    ok = stage.write(i);
    await clock.tickAsync(1000);
  }
  t.notOk(ok, `write() returned false after ${i} windows`);
  stage.end();
  const all = (await stage.toArray()) as MetricWindow[];
  t.same(
    all.flatMap(valuesOf),
    Array.from({ length: i }, (_, k) => k),
  );
});

t.test('windowByTime: event time — windows of the elements’ own times, closed by the watermark', async (t) => {
  installClock(t, T0 + 99_000); // the clock is far from the elements' times: it is not read
  const stage = windowByTime(1, { windowTime: 'event' });
  const out = collect(stage);
  stage.write({ value: 1, time: T0 + 100 });
  stage.write(new MElement('m', 2, { time: T0 + 900, tags: { x: '1' } }));
  stage.write({ value: 3, time: T0 + 2100 }); // watermark T0+2100: [T0, T0+1000) closes
  await new Promise((r) => setImmediate(r));
  t.equal(out.length, 1, 'closed by a later time, without a timer');
  t.same([out[0]?.start, out[0]?.end, out[0]?.time], [T0, T0 + 1000, T0 + 1000]);
  t.same(groupValues(out[0] as MetricWindow), [
    ['', [1]],
    ['x:1', [2]],
  ]);
  stage.end();
  await ended(stage);
  t.same(
    out.map((w) => [w.start, w.count]),
    [
      [T0, 2],
      [T0 + 2000, 1],
    ],
    'no empty window for the gap',
  );
});

t.test('windowByTime: event time — a late element emits "late" and is not merged', async (t) => {
  const stage = windowByTime(1, { windowTime: 'event', allowedLateness: 0.5 });
  const late: MetrixError[] = [];
  stage.on('late', (e: MetrixError) => late.push(e));
  const out = collect(stage);
  stage.write({ value: 1, time: T0 + 100, tags: { x: '1' } });
  stage.write({ value: 2, time: T0 + 1400 }); // watermark T0+900: nothing closes
  stage.write({ value: 3, time: T0 + 200 }); // within the lateness: merged
  stage.write({ value: 4, time: T0 + 1600 }); // watermark T0+1100: [T0, T0+1000) closes
  stage.write({ value: 5, time: T0 + 999, tags: { x: '1' } }); // late
  stage.write({ value: 6, time: T0 + 1001 });
  stage.end();
  await ended(stage);
  t.equal(late.length, 1);
  t.equal(late[0]?.code, ErrorCode.LATE_ELEMENT);
  t.same(late[0]?.input, { value: 5, tags: { x: '1' }, time: T0 + 999 });
  t.same(out.map(groupValues), [
    [
      ['x:1', [1]],
      ['', [3]],
    ],
    [['', [2, 4, 6]]],
  ]);
  t.same(
    out.map((w) => w.count),
    [2, 3],
    'the late value is in no count',
  );
});

t.test('windowByTime: event time — end of input flushes every open window in order', async (t) => {
  const stage = windowByTime(1, { windowTime: 'event', allowedLateness: 60 });
  const out = collect(stage);
  for (const [v, dt] of [
    [1, 3500],
    [2, 500],
    [3, 2500],
    [4, 1500],
    [5, 600],
  ]) {
    stage.write({ value: v, time: T0 + (dt as number) });
  }
  await new Promise((r) => setImmediate(r));
  t.same(out, [], 'all within the lateness: open');
  stage.end();
  await ended(stage);
  t.same(
    out.map((w) => [w.start, valuesOf(w)]),
    [
      [T0, [2, 5]],
      [T0 + 1000, [4]],
      [T0 + 2000, [3]],
      [T0 + 3000, [1]],
    ],
  );
});

t.test(
  'windowByTime: event time loses nothing — each value is in its own window or reported late (property)',
  async (t) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 6000 }), { maxLength: 50 }),
        fc.constantFrom(0, 0.5, 2),
        async (times, lateness) => {
          const stage = windowByTime(1, { windowTime: 'event', allowedLateness: lateness });
          const late: number[] = [];
          stage.on('late', (e: MetrixError) => late.push((e.input as { value: number }).value));
          const out = collect(stage);
          times.forEach((dt, i) => {
            stage.write({ value: i, time: T0 + dt });
          });
          stage.end();
          await ended(stage);
          const merged = out.flatMap(valuesOf);
          const all = [...merged, ...late].sort((a, b) => a - b);
          const complete = all.length === times.length && all.every((v, i) => v === i);
          const placed = out.every((w) =>
            valuesOf(w).every(
              (v) => T0 + (times[v] as number) >= (w.start as number) && T0 + (times[v] as number) < (w.end as number),
            ),
          );
          const ordered = out.every((w, i) => i === 0 || (w.start as number) > (out[i - 1]?.start as number));
          return complete && placed && ordered;
        },
      ),
      { numRuns: 60 },
    );
    t.pass('held');
  },
);

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Runs a fixture with tsx; a program still running after 20 s is killed and reported with code null. */
function runFixture(
  name: string,
  mode: string,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(name), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

t.test('windowByTime: a program that stops sending gets its last window and exits on its own', async (t) => {
  const results = await Promise.all(['stage', 'mstream'].map((mode) => runFixture('window-then-exit.ts', mode)));
  for (const [i, mode] of ['stage', 'mstream'].entries()) {
    const r = results[i] as Awaited<ReturnType<typeof runFixture>>;
    t.equal(r.code, 0, `${mode}: exited on its own (null: killed after 20 s) ${r.stderr}`);
    t.match(r.stdout, new RegExp(`${mode} window 3 elements sum=6`));
  }
});

t.test('windowByTime: an idle stream never holds the process open', async (t) => {
  const results = await Promise.all(['stage', 'mstream'].map((mode) => runFixture('idle-exit.ts', mode)));
  for (const [i, mode] of ['stage', 'mstream'].entries()) {
    const r = results[i] as Awaited<ReturnType<typeof runFixture>>;
    t.equal(r.code, 0, `${mode}: ${r.stderr}`);
    t.ok(r.ms < 15_000, `${mode}: exited in ${r.ms} ms, without waiting for the 60 s window`);
    t.match(r.stdout, new RegExp(`${mode} idle done`));
  }
});
