import t from 'tap';
import { toAggregator } from '../../src/aggregators/AggFunc.js';
import type { Aggregator } from '../../src/aggregators/Aggregator.js';
import { max, median, sum } from '../../src/aggregators/builtins.js';
import type { SummaryState } from '../../src/aggregators/summaryState.js';
import { Accumulation } from '../../src/engine/Accumulation.js';
import { AggregationPlan } from '../../src/engine/AggregationPlan.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { groupValues, valuesPlan } from '../helpers/windows.js';

const table = () => {
  const tbl = new SeriesTable();
  return { x: tbl.resolve({ k: 'x' }), y: tbl.resolve({ k: 'y' }), z: tbl.resolve({ k: 'z' }) };
};

t.test('Accumulation: one group per series, in first-seen order, values folded in arrival order', async (t) => {
  const { x, y, z } = table();
  const acc = new Accumulation(valuesPlan(), 1000, 2000);
  acc.add(y, 1);
  acc.add(x, 2);
  acc.add(y, 3);
  acc.add(z, 4);
  acc.add(x, 5);
  t.same(groupValues(acc), [
    ['k:y', [1, 3]],
    ['k:x', [2, 5]],
    ['k:z', [4]],
  ]);
  t.equal(acc.count, 5);
  t.equal(acc.groups[0]?.series, y, 'the group holds the Series itself');
  t.equal(acc.start, 1000);
  t.equal(acc.end, 2000);
});

t.test('Accumulation: a new accumulation is empty; close() stamps the time', async (t) => {
  const acc = new Accumulation(valuesPlan());
  t.equal(acc.count, 0);
  t.same(acc.groups, []);
  t.equal(acc.start, undefined, 'a batch has no bounds');
  t.equal(acc.end, undefined);
  t.equal(acc.close(42), acc, 'returns itself');
  t.equal(acc.time, 42);
});

t.test('Accumulation: one state per kind, shared by the aggregators that read it', async (t) => {
  const { x, y } = table();
  const user = toAggregator('range', (v) => Math.max(...v) - Math.min(...v));
  const plan = new AggregationPlan([sum.aggregator, median.aggregator, max.aggregator, user]);
  const acc = new Accumulation(plan);
  for (const v of [3, 1, 2]) acc.add(x, v);
  acc.add(y, 10);
  t.equal(acc.groups.length, 2);
  t.equal(acc.groups[0]?.states.length, 3, 'summary, values, arrival');
  const summary = acc.groups[0]?.states[plan.slotOf[0] as number] as SummaryState;
  t.equal(summary.count, 3);
  t.equal(summary.sum, 6);
  t.equal(summary.max, 3);
  t.same(acc.groups[0]?.states[plan.slotOf[3] as number], [3, 1, 2], 'the values, in arrival order');
  t.equal((median.aggregator as Aggregator).result(acc.groups[0]?.states[plan.slotOf[1] as number]), 2);
});

t.test('Accumulation: exclusive (one open at a time) — successive accumulations start fresh groups', async (t) => {
  const { x, y } = table();
  const plan = valuesPlan();
  const first = new Accumulation(plan);
  first.add(x, 1);
  first.add(y, 2);
  first.close(1);
  const second = new Accumulation(plan);
  second.add(y, 3);
  second.add(x, 4);
  second.add(y, 5);
  t.same(
    groupValues(first),
    [
      ['k:x', [1]],
      ['k:y', [2]],
    ],
    'the closed accumulation is not added to',
  );
  t.same(groupValues(second), [
    ['k:y', [3, 5]],
    ['k:x', [4]],
  ]);
});

t.test('Accumulation: close() lets go of the series caches that point into it', async (t) => {
  const { x, y } = table();
  const acc = new Accumulation(valuesPlan());
  acc.add(x, 1);
  t.equal(x.lastOwner, acc);
  const other = new Accumulation(valuesPlan());
  other.add(y, 2);
  acc.add(y, 3);
  t.equal(y.lastOwner, acc);
  acc.close(0);
  t.equal(x.lastOwner, undefined, 'an idle series keeps no closed window alive');
  t.equal(x.lastGroup, undefined);
  t.equal(y.lastOwner, undefined);
  other.close(0);
});

t.test('Accumulation: non-exclusive accumulations open side by side keep one group per series', async (t) => {
  const { x, y } = table();
  const plan = valuesPlan();
  const a = new Accumulation(plan, 0, 1000, false);
  const b = new Accumulation(plan, 1000, 2000, false);
  // A series alternating between two open windows misses its one-entry cache every time.
  a.add(x, 1);
  b.add(x, 2);
  a.add(y, 3);
  a.add(x, 4);
  b.add(x, 5);
  b.add(y, 6);
  a.add(y, 7);
  t.same(groupValues(a), [
    ['k:x', [1, 4]],
    ['k:y', [3, 7]],
  ]);
  t.same(groupValues(b), [
    ['k:x', [2, 5]],
    ['k:y', [6]],
  ]);
  t.equal(a.count, 4);
  t.equal(b.count, 3);
});

t.test(
  'Accumulation: non-exclusive groups by key, so a series made again for the same key joins its group',
  async (t) => {
    const plan = valuesPlan();
    const acc = new Accumulation(plan, 0, 1000, false);
    acc.add(new SeriesTable().resolve({ k: 'x' }), 1);
    acc.add(new SeriesTable().resolve({ k: 'x' }), 2);
    t.same(groupValues(acc), [['k:x', [1, 2]]]);
  },
);
