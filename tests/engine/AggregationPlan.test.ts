import t from 'tap';
import { toAggregator } from '../../src/aggregators/AggFunc.js';
import type { Aggregator } from '../../src/aggregators/Aggregator.js';
import { arrivalValuesState } from '../../src/aggregators/arrivalValuesState.js';
import { count, max, mean, median, stdev, sum, variance } from '../../src/aggregators/builtins.js';
import { summaryState } from '../../src/aggregators/summaryState.js';
import { AggregationPlan } from '../../src/engine/AggregationPlan.js';

t.test('AggregationPlan: each distinct state kind once, in order of first use', async (t) => {
  const user = toAggregator('f', (v) => v.length);
  const plan = new AggregationPlan([
    sum.aggregator,
    median.aggregator,
    max.aggregator,
    user,
    stdev.aggregator,
    mean.aggregator,
    variance.aggregator,
  ]);
  t.same(
    plan.kinds.map((k) => k.id),
    ['summary', median.aggregator.state.id, 'arrival', stdev.aggregator.state.id],
  );
  t.same(plan.slotOf, [0, 1, 0, 2, 3, 0, 3]);
  t.equal(plan.aggregators.length, 7, 'every aggregator kept, in output order');
  t.equal(plan.slotOfKind(summaryState), 0);
  t.equal(plan.slotOfKind(arrivalValuesState), 2);
  t.equal(new AggregationPlan([sum.aggregator]).slotOfKind(arrivalValuesState), -1);
});

t.test('AggregationPlan: createStates gives fresh states; add feeds each kind', async (t) => {
  const plan = new AggregationPlan([count.aggregator, toAggregator('f', (v) => v.length)]);
  const a = plan.createStates();
  const b = plan.createStates();
  t.not(a[0], b[0]);
  for (const v of [1, 2, 3]) plan.add(a, v);
  t.equal((count.aggregator as Aggregator).result(a[0]), 3);
  t.same(a[1], [1, 2, 3]);
  t.same(b[1], [], 'the other states untouched');
  const single = new AggregationPlan([sum.aggregator]);
  const s = single.createStates();
  single.add(s, 2);
  single.add(s, 5);
  t.equal((sum.aggregator as Aggregator).result(s[0]), 7, 'one kind: the direct path');
});
