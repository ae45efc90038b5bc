import fc from 'fast-check';
import t from 'tap';
import { EventWindows } from '../../src/engine/EventWindows.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { installClock, T0 } from '../helpers/clock.js';
import { groupValues, shape, valuesPlan } from '../helpers/windows.js';

interface Late {
  key: string;
  value: number;
  time: number;
}

function setup(windowMs = 1000, latenessMs = 0) {
  const windows: MetricWindow[] = [];
  const late: Late[] = [];
  const w = new EventWindows(
    valuesPlan(),
    windowMs,
    latenessMs,
    (win) => windows.push(win),
    (series, value, time) => late.push({ key: series.key, value, time }),
  );
  const table = new SeriesTable();
  const series = (k = '') => (k === '' ? table.defaultSeries : table.resolve({ k }));
  return { w, windows, late, series };
}

t.test('EventWindows: smoke — a value goes to the window of its own time; the watermark closes it', async (t) => {
  const { w, windows, series } = setup();
  w.add(series(), 1, T0 + 100);
  w.add(series(), 2, T0 + 999);
  t.same(windows, [], 'open until a later time passes its end');
  w.add(series(), 3, T0 + 1000);
  t.equal(windows.length, 1, 'a time at the end closes it (no lateness)');
  t.same(shape(windows[0] as MetricWindow), {
    start: T0,
    end: T0 + 1000,
    time: T0 + 1000,
    count: 2,
    groups: [['', [1, 2]]],
  });
  w.flush();
  t.same(shape(windows[1] as MetricWindow), {
    start: T0 + 1000,
    end: T0 + 2000,
    time: T0 + 2000,
    count: 1,
    groups: [['', [3]]],
  });
});

t.test('EventWindows: empty input and flush without values emit nothing', async (t) => {
  const { w, windows } = setup();
  w.flush();
  t.same(windows, []);
});

t.test('EventWindows: one value, emitted at end of input', async (t) => {
  const { w, windows, series } = setup();
  w.add(series('a'), 7, T0 + 5);
  t.same(windows, []);
  w.flush();
  t.same(windows.map(groupValues), [[['k:a', [7]]]]);
  w.flush();
  t.equal(windows.length, 1, 'a second flush emits nothing more');
});

t.test('EventWindows: no empty windows for the gaps in time', async (t) => {
  const { w, windows, series } = setup();
  w.add(series(), 1, T0 + 500);
  w.add(series(), 2, T0 + 5500);
  w.flush();
  t.same(
    windows.map((win) => [win.start, win.count]),
    [
      [T0, 1],
      [T0 + 5000, 1],
    ],
  );
});

t.test('EventWindows: a late value is reported, not merged, and its window is not reopened', async (t) => {
  const { w, windows, late, series } = setup();
  w.add(series('a'), 1, T0 + 100);
  w.add(series('a'), 2, T0 + 1500); // closes [T0, T0+1000)
  w.add(series('b'), 99, T0 + 999);
  t.same(late, [{ key: 'k:b', value: 99, time: T0 + 999 }]);
  w.flush();
  t.same(windows.map(groupValues), [[['k:a', [1]]], [['k:a', [2]]]]);
  t.same(
    windows.map((win) => win.count),
    [1, 1],
    'the late value is not counted in any window',
  );
});

t.test('EventWindows: allowed lateness keeps windows open and merges values out of order', async (t) => {
  const { w, windows, late, series } = setup(1000, 1500);
  w.add(series(), 1, T0 + 100);
  w.add(series(), 2, T0 + 2400); // watermark T0+900: nothing closes
  w.add(series(), 3, T0 + 200); // within the lateness: merged into the first window
  t.same(windows, []);
  w.add(series(), 4, T0 + 2500); // watermark T0+1000: the first window closes
  t.same(windows.map(groupValues), [[['', [1, 3]]]]);
  w.add(series(), 5, T0 + 999);
  t.equal(late.length, 1, 'past the lateness: late');
  w.add(series(), 6, T0 + 1000);
  t.equal(late.length, 1, 'the next window is still open');
  w.flush();
  t.same(windows.map(groupValues), [[['', [1, 3]]], [['', [6]]], [['', [2, 4]]]]);
});

t.test('EventWindows: windows close in start order, also when opened out of order', async (t) => {
  const { w, windows, series } = setup(1000, 10_000);
  for (const [v, dt] of [
    [1, 3500],
    [2, 500],
    [3, 2500],
    [4, 1500],
    [5, 700],
  ] as const) {
    w.add(series(), v, T0 + dt);
  }
  w.add(series(), 6, T0 + 12_600); // watermark T0+2600: the first two close, in order
  t.same(
    windows.map((win) => [win.start, groupValues(win)]),
    [
      [T0, [['', [2, 5]]]],
      [T0 + 1000, [['', [4]]]],
    ],
  );
  w.flush();
  t.same(
    windows.map((win) => win.start),
    [T0, T0 + 1000, T0 + 2000, T0 + 3000, T0 + 12_000],
    'end of input flushes every open window in order',
  );
});

t.test('EventWindows: groups keep first-seen order per window while series alternate between windows', async (t) => {
  const { w, windows, series } = setup(1000, 5000);
  w.add(series('x'), 1, T0 + 10);
  w.add(series('x'), 2, T0 + 1010);
  w.add(series('y'), 3, T0 + 20);
  w.add(series('x'), 4, T0 + 30);
  w.add(series('y'), 5, T0 + 1020);
  w.add(series('x'), 6, T0 + 1030);
  w.flush();
  t.same(windows.map(groupValues), [
    [
      ['k:x', [1, 4]],
      ['k:y', [3]],
    ],
    [
      ['k:x', [2, 6]],
      ['k:y', [5]],
    ],
  ]);
});

t.test('EventWindows: a value without a time is stamped with the clock on arrival', async (t) => {
  const clock = installClock(t, T0 + 2500);
  const { w, windows, series } = setup();
  w.add(series(), 1, undefined);
  clock.setSystemTime(T0 + 3200);
  w.add(series(), 2, undefined); // closes [T0+2000, T0+3000)
  t.same(
    windows.map((win) => [win.start, groupValues(win)]),
    [[T0 + 2000, [['', [1]]]]],
  );
  w.flush();
  t.equal(windows[1]?.start, T0 + 3000);
});

t.test('EventWindows: fractional window lengths, negative and far times', async (t) => {
  const { w, windows, series } = setup(250);
  w.add(series(), 1, -10); // before the epoch: window [-250, 0)
  w.add(series(), 2, 0);
  t.throws(() => w.add(series(), 3, 8.64e15), { code: ErrorCode.INVALID_TIME }, 'its window would end past a Date');
  w.add(series(), 3, 8.64e15 - 250); // the last window a Date can stamp
  t.same(
    windows.map((win) => [win.start, win.end, win.count]),
    [
      [-250, 0, 1],
      [0, 250, 1],
    ],
  );
  w.flush();
  t.equal(windows[2]?.end, 8.64e15);
});

t.test('EventWindows: destroy() drops the open windows; nothing is emitted after it', async (t) => {
  const { w, windows, series } = setup();
  w.add(series(), 1, T0);
  w.destroy();
  w.flush();
  t.same(windows, []);
});

// A model of the documented rules, value by value: window = floor(t / w); watermark = max time −
// lateness; windows ending at or before the watermark's window boundary close, in start order; a
// value for a closed window is late.
function model(values: [number, number, string][], windowMs: number, latenessMs: number) {
  const out: [number, [string, number[]][]][] = [];
  const late: number[] = [];
  const open = new Map<number, Map<string, number[]>>();
  let maxTime = Number.NEGATIVE_INFINITY;
  let closedUpTo = Number.NEGATIVE_INFINITY;
  const close = (upTo: number) => {
    for (const start of [...open.keys()].sort((a, b) => a - b)) {
      if (start + windowMs > upTo) break;
      out.push([start, [...(open.get(start) as Map<string, number[]>)]]);
      open.delete(start);
    }
  };
  for (const [v, time, key] of values) {
    const start = Math.floor(time / windowMs) * windowMs;
    if (start + windowMs <= closedUpTo) {
      late.push(v);
      continue;
    }
    let groups = open.get(start);
    if (groups === undefined) {
      groups = new Map();
      open.set(start, groups);
    }
    groups.set(key, [...(groups.get(key) ?? []), v]);
    if (time > maxTime) {
      maxTime = time;
      const boundary = Math.floor((time - latenessMs) / windowMs) * windowMs;
      if (boundary > closedUpTo) {
        closedUpTo = boundary;
        close(boundary);
      }
    }
  }
  close(Number.POSITIVE_INFINITY);
  return { out, late };
}

t.test(
  'EventWindows: every value is merged into the window of its time or reported late, never both (property)',
  async (t) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 8000 }), fc.constantFrom('', 'a', 'b')), { maxLength: 80 }),
        fc.constantFrom(250, 1000, 1500),
        fc.constantFrom(0, 400, 1000, 3000),
        (spec, windowMs, latenessMs) => {
          const values = spec.map(([dt, key], i): [number, number, string] => [i, T0 + dt, key]);
          const { w, windows, late, series } = setup(windowMs, latenessMs);
          for (const [v, time, key] of values) w.add(series(key), v, time);
          w.flush();
          const got = windows.map((win): [number, [string, number[]][]] => [
            win.start as number,
            groupValues(win).map(([k, vs]) => [k === '' ? '' : k.slice(2), vs]),
          ]);
          const expected = model(values, windowMs, latenessMs);
          if (JSON.stringify(got) !== JSON.stringify(expected.out)) return false;
          if (JSON.stringify(late.map((l) => l.value)) !== JSON.stringify(expected.late)) return false;
          // Invariants, beside the model: nothing lost or duplicated; each value in its own window.
          const merged = windows.flatMap((win) => win.groups.flatMap((g) => g.states[0] as number[]));
          const all = [...merged, ...late.map((l) => l.value)].sort((a, b) => a - b);
          if (all.length !== values.length || all.some((v, i) => v !== i)) return false;
          for (const win of windows) {
            for (const g of win.groups) {
              for (const v of g.states[0] as number[]) {
                const time = (values[v] as [number, number, string])[1];
                if (time < (win.start as number) || time >= (win.end as number)) return false;
              }
            }
          }
          return windows.every((win, i) => i === 0 || (win.start as number) > (windows[i - 1]?.start as number));
        },
      ),
      { numRuns: 200 },
    );
    t.pass('held');
  },
);
