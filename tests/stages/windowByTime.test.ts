import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { type GroupingStage, kAccept } from '../../src/internal/accept.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import type { ElementBatch } from '../../src/stages/types.js';
import { windowByTime } from '../../src/stages/windowByTime.js';
import { installClock, T0 } from '../helpers/clock.js';

const fakeClock = installClock;

function collect(stage: GroupingStage): ElementBatch[] {
  const out: ElementBatch[] = [];
  stage.on('data', (w: ElementBatch) => out.push(w));
  return out;
}
const el = (v: number) => new MElement('m', v);
const vals = (ws: ElementBatch[]) => ws.map((w) => w.map((e) => e.value));

t.test('windowByTime: smoke — emits each window at its end, stamped with the end', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(1) as GroupingStage;
  const out = collect(stage);
  stage.write(el(1));
  stage.write(el(2));
  await clock.tickAsync(999);
  t.same(out, [], 'nothing before the window ends');
  await clock.tickAsync(1);
  t.same(vals(out), [[1, 2]]);
  t.equal(out[0]?.time, T0 + 1000);
  stage.write(el(3));
  await clock.tickAsync(1000);
  t.same(vals(out), [[1, 2], [3]]);
  t.equal(out[1]?.time, T0 + 2000);
  stage.destroy();
});

t.test('windowByTime: empty windows are emitted as empty arrays', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(0.5) as GroupingStage;
  const out = collect(stage);
  await clock.tickAsync(1500);
  t.same(vals(out), [[], [], []]);
  t.same(
    out.map((w) => w.time),
    [T0 + 500, T0 + 1000, T0 + 1500],
  );
  stage.destroy();
});

t.test('windowByTime: windows are aligned to the clock, not to construction time', async (t) => {
  const clock = fakeClock(t, T0 + 300);
  const stage = windowByTime(1) as GroupingStage;
  const out = collect(stage);
  stage.write(el(1));
  await clock.tickAsync(700);
  t.same(vals(out), [[1]]);
  t.equal(out[0]?.time, T0 + 1000);
  stage.destroy();
});

t.test('windowByTime: end of input emits the open window (remainder) and clears the timer', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(10) as GroupingStage;
  const out = collect(stage);
  stage.write(el(1));
  await clock.tickAsync(3000);
  stage.write(el(2));
  stage.end();
  await new Promise((r) => stage.once('end', r));
  t.same(vals(out), [[1, 2]]);
  t.equal(out[0]?.time, T0 + 10_000, 'stamped with the window end');
  t.equal(clock.countTimers(), 0, 'no timer left');
});

t.test('windowByTime: empty input gives no output', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(1) as GroupingStage;
  const out = collect(stage);
  stage.end();
  await new Promise((r) => stage.once('end', r));
  t.same(out, []);
  t.equal(clock.countTimers(), 0);
});

t.test('windowByTime: one item', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(2) as GroupingStage;
  const out = collect(stage);
  stage[kAccept](el(7));
  await clock.tickAsync(2000);
  t.same(vals(out), [[7]]);
  stage.destroy();
});

t.test('windowByTime: a blocked event loop gives one window, then realigns', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(1) as GroupingStage;
  const out = collect(stage);
  stage.write(el(1));
  // The loop was busy for 2.5 s: the clock moved, no timer ran (fake-timers shifts pending timers).
  clock.setSystemTime(T0 + 2500);
  stage.write(el(2));
  await clock.tickAsync(1000); // the overdue timer runs at T0 + 3500
  t.same(vals(out), [[1, 2]], 'what arrived before the timer ran is in the overdue window');
  t.equal(out[0]?.time, T0 + 1000);
  await clock.tickAsync(500);
  t.same(vals(out), [[1, 2], []]);
  t.equal(out[1]?.time, T0 + 4000, 'the next window ends on the clock grid');
  stage.destroy();
});

t.test('windowByTime: fractional seconds', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(0.25) as GroupingStage;
  const out = collect(stage);
  stage.write(el(1));
  await clock.tickAsync(250);
  t.same(vals(out), [[1]]);
  stage.destroy();
});

t.test('windowByTime: invalid seconds throw ERR_METRIX_INVALID_GROUPING', async (t) => {
  for (const s of [
    0,
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '1' as unknown as number,
    undefined as unknown as number,
  ]) {
    t.throws(() => windowByTime(s), { code: ErrorCode.INVALID_GROUPING }, String(s));
  }
});

t.test('windowByTime: destroy() mid-stream clears its timer and drops the window', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(1) as GroupingStage;
  const out = collect(stage);
  stage.write(el(1));
  t.equal(clock.countTimers(), 1);
  stage.destroy();
  t.equal(clock.countTimers(), 0);
  await clock.tickAsync(5000);
  t.same(out, []);
});

t.test('windowByTime: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const clock = fakeClock(t);
  const stage = windowByTime(1, { highWaterMark: 1 }) as GroupingStage;
  // No reader: windows pile up in the readable buffer; writes must start returning false.
  let ok = true;
  let i = 0;
  for (; i < 10 && ok; i++) {
    ok = stage.write(el(i));
    await clock.tickAsync(1000);
  }
  t.notOk(ok, `write() returned false after ${i} windows`);
  stage.end();
  const all = (await stage.toArray()) as ElementBatch[];
  t.same(
    all.flat().map((e) => e.value),
    Array.from({ length: i }, (_, k) => k),
  );
});

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

t.test('windowByTime: a program that stops sending gets its last window and exits on its own', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture('window-then-exit.ts')], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /window 3 elements sum=6/);
});

t.test('windowByTime: an idle stream never holds the process open', async (t) => {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture('idle-exit.ts')], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.ok(Date.now() - started < 15_000, 'exited without waiting for the 60 s window');
  t.match(r.stdout, /idle done/);
});
