import t from 'tap';
import { summaryState } from '../../src/aggregators/summaryState.js';
import { withAggregator } from '../../src/aggregators/withAggregator.js';

t.test('withAggregator: returns the function with a frozen, non-enumerable, read-only aggregator', async (t) => {
  const fn = (values: readonly number[]) => values.length;
  const got = withAggregator(fn, summaryState, (s) => s.count);
  t.equal(got, fn);
  t.same(Object.keys(got), []);
  t.equal(got.aggregator.name, 'fn', 'named as the function');
  t.equal(got.aggregator.state, summaryState);
  t.ok(Object.isFrozen(got.aggregator));
  t.throws(() => {
    (got as unknown as { aggregator: unknown }).aggregator = 1;
  }, TypeError);
  const s = summaryState.create();
  summaryState.add(s, 5);
  t.equal(got.aggregator.result(s), 1);
});
