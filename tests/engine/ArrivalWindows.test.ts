import t from 'tap';
import { ArrivalWindows } from '../../src/engine/ArrivalWindows.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { installClock, T0 } from '../helpers/clock.js';
import { groupValues, valuesOf, valuesPlan } from '../helpers/windows.js';

function setup(windowMs = 1000) {
  const windows: MetricWindow[] = [];
  const w = new ArrivalWindows(valuesPlan(), windowMs, (win) => windows.push(win));
  const table = new SeriesTable();
  const series = (k = '') => (k === '' ? table.defaultSeries : table.resolve({ k }));
  return { w, windows, series };
}

/** Timers that hold the process open (refed), as Node counts them. */
const refedTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

t.test('ArrivalWindows: smoke — a window closes at its end, stamped with its end', async (t) => {
  const clock = installClock(t);
  const { w, windows, series } = setup();
  w.add(series('a'), 1, undefined);
  w.add(series('b'), 2, undefined);
  w.add(series('a'), 3, undefined);
  await clock.tickAsync(999);
  t.same(windows, [], 'nothing before the end');
  await clock.tickAsync(1);
  t.equal(windows.length, 1);
  t.same([windows[0]?.start, windows[0]?.end, windows[0]?.time, windows[0]?.count], [T0, T0 + 1000, T0 + 1000, 3]);
  t.same(groupValues(windows[0] as MetricWindow), [
    ['k:a', [1, 3]],
    ['k:b', [2]],
  ]);
  w.destroy();
});

t.test('ArrivalWindows: the element time does not choose the window', async (t) => {
  const clock = installClock(t);
  const { w, windows, series } = setup();
  w.add(series(), 1, T0 - 86_400_000);
  w.add(series(), 2, T0 + 86_400_000);
  await clock.tickAsync(1000);
  t.same(windows.map(valuesOf), [[1, 2]]);
  w.destroy();
});

t.test('ArrivalWindows: windows are aligned to the clock, not to construction time', async (t) => {
  const clock = installClock(t, T0 + 300);
  const { w, windows, series } = setup();
  w.add(series(), 1, undefined);
  await clock.tickAsync(700);
  t.equal(windows.length, 1, 'the first window is short: it ends on the grid');
  t.same([windows[0]?.start, windows[0]?.end], [T0, T0 + 1000]);
  w.destroy();
});

t.test('ArrivalWindows: every window is emitted, empty ones with count 0', async (t) => {
  const clock = installClock(t);
  const { w, windows, series } = setup(500);
  await clock.tickAsync(1000);
  w.add(series(), 1, undefined);
  await clock.tickAsync(1000);
  t.same(
    windows.map((win) => [win.end, win.count, win.groups.length]),
    [
      [T0 + 500, 0, 0],
      [T0 + 1000, 0, 0],
      [T0 + 1500, 1, 1],
      [T0 + 2000, 0, 0],
    ],
  );
  w.destroy();
});

t.test('ArrivalWindows: flush emits the open window when it holds values, and stops the timer', async (t) => {
  const clock = installClock(t);
  const { w, windows, series } = setup(10_000);
  w.add(series(), 1, undefined);
  await clock.tickAsync(3000);
  w.add(series(), 2, undefined);
  w.flush();
  t.same(windows.map(valuesOf), [[1, 2]]);
  t.equal(windows[0]?.time, T0 + 10_000, 'stamped with the window end');
  t.equal(clock.countTimers(), 0);
  const empty = setup(1000);
  empty.w.flush();
  t.same(empty.windows, [], 'an empty open window is not emitted at end of input');
  t.equal(clock.countTimers(), 0);
});

t.test('ArrivalWindows: destroy() stops the timer; nothing is emitted after it', async (t) => {
  const clock = installClock(t);
  const { w, windows, series } = setup();
  w.add(series(), 1, undefined);
  t.equal(clock.countTimers(), 1);
  w.destroy();
  t.equal(clock.countTimers(), 0);
  await clock.tickAsync(5000);
  t.same(windows, []);
});

t.test('ArrivalWindows: a blocked event loop gives one window, then realigns', async (t) => {
  const clock = installClock(t);
  const { w, windows, series } = setup();
  w.add(series(), 1, undefined);
  // The loop was busy for 2.5 s: the clock moved, no timer ran (fake-timers shifts pending timers).
  clock.setSystemTime(T0 + 2500);
  w.add(series(), 2, undefined);
  await clock.tickAsync(1000); // the overdue timer runs at T0 + 3500
  t.same(windows.map(valuesOf), [[1, 2]], 'what arrived before the timer ran is in the overdue window');
  t.same([windows[0]?.start, windows[0]?.end, windows[0]?.time], [T0, T0 + 1000, T0 + 1000]);
  await clock.tickAsync(500);
  t.equal(windows.length, 2);
  t.same([windows[1]?.start, windows[1]?.end, windows[1]?.count], [T0 + 3000, T0 + 4000, 0], 'back on the grid');
  w.destroy();
});

t.test('ArrivalWindows: a loop that never yields has its window closed within 64 values of its end', async (t) => {
  const clock = installClock(t);
  for (const before of [0, 1, 10, 63, 64, 100, 200]) {
    const { w, windows, series } = setup();
    for (let i = 0; i < before; i++) w.add(series(), i, undefined);
    clock.setSystemTime(T0 + 1000 + before); // past the end; no timer runs inside the loop
    let closedAfter = -1;
    for (let i = 0; i < 200 && closedAfter < 0; i++) {
      w.add(series(), before + i, undefined);
      if (windows.length > 0) closedAfter = i + 1;
    }
    t.ok(closedAfter >= 1 && closedAfter <= 64, `after ${before} values: closed ${closedAfter} values past its end`);
    const first = windows[0] as MetricWindow;
    t.equal(first.end, T0 + 1000);
    t.equal(first.count, before + closedAfter - 1, 'the value that closed it went to the next window');
    t.same(
      valuesOf(first),
      Array.from({ length: first.count }, (_, i) => i),
      'in order, nothing lost',
    );
    w.flush();
    t.same(
      windows.flatMap(valuesOf),
      Array.from({ length: before + closedAfter }, (_, i) => i),
      'the rest in the next window',
    );
    t.equal(windows[1]?.start, T0 + 1000, 'the next window is the current one on the grid');
    w.destroy();
    clock.setSystemTime(T0);
  }
});

t.test('ArrivalWindows: a tight loop across many window ends closes each within 64 values', async (t) => {
  const clock = installClock(t);
  const { w, windows, series } = setup(100);
  // 1 ms of clock per value, no timer ever runs: 10 windows pass during the loop.
  for (let i = 0; i < 1000; i++) {
    w.add(series(), i, undefined);
    clock.setSystemTime(Date.now() + 1);
  }
  w.flush();
  t.ok(windows.length >= 9, `${windows.length} windows`);
  t.same(
    windows.flatMap(valuesOf),
    Array.from({ length: 1000 }, (_, i) => i),
    'nothing lost or reordered',
  );
  for (const win of windows.slice(0, -1)) t.ok(win.count <= 100 + 64, `window ending ${win.end} holds ${win.count}`);
  w.destroy();
});

t.test('ArrivalWindows: fractional windows', async (t) => {
  const clock = installClock(t);
  const { w, windows, series } = setup(250);
  w.add(series(), 1, undefined);
  await clock.tickAsync(250);
  t.same(windows.map(valuesOf), [[1]]);
  t.equal(windows[0]?.end, T0 + 250);
  w.destroy();
});

t.test(
  'ArrivalWindows: a window longer than a timer can wait is waited for in steps, never closed early',
  async (t) => {
    const clock = installClock(t);
    const day = 86_400_000;
    const { w, windows, series } = setup(40 * day); // > 2^31 - 1 ms
    w.add(series(), 1, undefined);
    const end = Math.floor(T0 / (40 * day)) * 40 * day + 40 * day;
    await clock.tickAsync(end - T0 - 1);
    t.same(windows, [], 'not closed before its end');
    await clock.tickAsync(1);
    t.same(windows.map(valuesOf), [[1]]);
    t.equal(windows[0]?.end, end);
    w.destroy();
  },
);

t.test('ArrivalWindows: the timer holds the process open only while the open window holds values', async (t) => {
  // Real timers: Node counts the refed ones.
  const base = refedTimers();
  const windows: MetricWindow[] = [];
  const w = new ArrivalWindows(valuesPlan(), 60_000, (win) => windows.push(win));
  t.equal(refedTimers(), base, 'idle: the timer does not hold the process');
  w.add(new SeriesTable().defaultSeries, 1, undefined);
  t.equal(refedTimers(), base + 1, 'a value waits in the window: the timer holds the process');
  w.flush();
  t.equal(refedTimers(), base, 'flushed: no timer');
  t.same(windows.map(valuesOf), [[1]]);
  w.destroy();
});
