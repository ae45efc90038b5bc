import fc from 'fast-check';
import t from 'tap';
import { CountBatches } from '../../src/engine/CountBatches.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { installClock, T0 } from '../helpers/clock.js';
import { groupValues, valuesOf, valuesPlan } from '../helpers/windows.js';

function setup(size: number) {
  const batches: MetricWindow[] = [];
  const b = new CountBatches(valuesPlan(), size, (win) => batches.push(win));
  const table = new SeriesTable();
  const series = (k = '') => (k === '' ? table.defaultSeries : table.resolve({ k }));
  return { b, batches, series };
}

t.test('CountBatches: smoke — a batch closes as soon as it holds size values', async (t) => {
  installClock(t);
  const { b, batches, series } = setup(3);
  b.add(series('x'), 1, undefined);
  b.add(series('y'), 2, undefined);
  t.same(batches, []);
  b.add(series('x'), 3, undefined);
  t.equal(batches.length, 1, 'closed synchronously by the value that filled it');
  t.same(groupValues(batches[0] as MetricWindow), [
    ['k:x', [1, 3]],
    ['k:y', [2]],
  ]);
  t.same([batches[0]?.start, batches[0]?.end, batches[0]?.count], [undefined, undefined, 3], 'no bounds');
});

t.test('CountBatches: exact multiple, and the remainder at flush', async (t) => {
  installClock(t);
  const exact = setup(2);
  for (let i = 0; i < 4; i++) exact.b.add(exact.series(), i, undefined);
  exact.b.flush();
  t.same(exact.batches.map(valuesOf), [
    [0, 1],
    [2, 3],
  ]);
  const rest = setup(2);
  for (let i = 0; i < 5; i++) rest.b.add(rest.series(), i, undefined);
  t.equal(rest.batches.length, 2);
  rest.b.flush();
  t.same(rest.batches.map(valuesOf), [[0, 1], [2, 3], [4]]);
  rest.b.flush();
  t.equal(rest.batches.length, 3, 'a second flush emits nothing');
});

t.test('CountBatches: empty input emits nothing; one value, one batch', async (t) => {
  installClock(t);
  const empty = setup(3);
  empty.b.flush();
  t.same(empty.batches, []);
  const one = setup(1);
  one.b.add(one.series(), 7, undefined);
  t.same(one.batches.map(valuesOf), [[7]]);
});

t.test('CountBatches: time stamp — the last element’s own time, else the time of completion', async (t) => {
  const clock = installClock(t);
  const { b, batches, series } = setup(2);
  b.add(series(), 1, 5);
  b.add(series(), 2, 9);
  t.equal(batches[0]?.time, 9, 'the last element’s own time');
  clock.setSystemTime(T0 + 100);
  b.add(series(), 3, undefined);
  clock.setSystemTime(T0 + 200);
  b.add(series(), 4, undefined);
  t.equal(batches[1]?.time, T0 + 200, 'no own time: when the batch was completed');
  b.add(series(), 5, 42);
  clock.setSystemTime(T0 + 300);
  b.add(series(), 6, undefined);
  t.equal(batches[2]?.time, T0 + 300, 'only the last element counts: it had no time');
  b.add(series(), 7, undefined);
  b.add(series(), 8, 77);
  t.equal(batches[3]?.time, 77, 'the last one had a time');
  b.add(series(), 9, undefined);
  clock.setSystemTime(T0 + 400);
  b.flush();
  t.equal(batches[4]?.time, T0 + 400, 'a remainder without own time: the time of the flush');
  b.add(series(), 10, 1234);
  b.flush();
  t.equal(batches[5]?.time, 1234, 'a remainder with own time');
});

t.test('CountBatches: destroy() is harmless', async (t) => {
  const { b, batches, series } = setup(2);
  b.add(series(), 1, 1);
  b.destroy();
  t.same(batches, []);
});

t.test('CountBatches: loses and duplicates nothing, keeps order, sizes exact (property)', async (t) => {
  installClock(t);
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('', 'a', 'b', 'c'), { maxLength: 60 }),
      fc.integer({ min: 1, max: 12 }),
      (keys, size) => {
        const { b, batches, series } = setup(size);
        keys.forEach((k, i) => {
          b.add(series(k), i, i);
        });
        b.flush();
        const sizesOk = batches.every((win, i) =>
          i < batches.length - 1 ? win.count === size : win.count >= 1 && win.count <= size,
        );
        // Within a batch, values are grouped by series in first-seen order; each group in order.
        const expected: [string, number[]][][] = [];
        for (let i = 0; i < keys.length; i += size) {
          const groups = new Map<string, number[]>();
          keys.slice(i, i + size).forEach((k, j) => {
            const key = k === '' ? '' : `k:${k}`;
            groups.set(key, [...(groups.get(key) ?? []), i + j]);
          });
          expected.push([...groups]);
        }
        const timesOk = batches.every((win, i) => win.time === Math.min((i + 1) * size, keys.length) - 1);
        return sizesOk && timesOk && JSON.stringify(batches.map(groupValues)) === JSON.stringify(expected);
      },
    ),
    { numRuns: 150 },
  );
  t.pass('held');
});
