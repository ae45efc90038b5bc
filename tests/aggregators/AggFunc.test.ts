import t from 'tap';
import { type IncrementalAggFunc, toAggregator } from '../../src/aggregators/AggFunc.js';
import { arrivalValuesState } from '../../src/aggregators/arrivalValuesState.js';
import { max, median, sum } from '../../src/aggregators/builtins.js';
import { percentile } from '../../src/aggregators/percentile.js';
import { feed } from './stateLaws.js';

t.test('toAggregator: a built-in under its own name is its own aggregator', async (t) => {
  t.equal(toAggregator('sum', sum), sum.aggregator);
  const p99 = percentile(99);
  t.equal(toAggregator('p99', p99), (p99 as IncrementalAggFunc).aggregator);
});

t.test('toAggregator: a renamed built-in keeps its state kind and result under the new name', async (t) => {
  const a = toAggregator('bytes', sum);
  t.equal(a.name, 'bytes');
  t.equal(a.state, sum.aggregator.state);
  t.equal(a.result, sum.aggregator.result);
  t.ok(Object.isFrozen(a));
  t.equal(sum.aggregator.name, 'sum', 'the original keeps its name');
  const s = feed(a.state, [1, 2, 3]);
  t.equal(a.result(s), 6);
  t.equal(toAggregator('mid', median).result(feed(median.aggregator.state, [3, 1, 2])), 2);
});

t.test('toAggregator: a user function reads the values in arrival order, never sorted', async (t) => {
  const seen: (readonly number[])[] = [];
  const spread = (values: readonly number[]) => {
    seen.push(values);
    return values[values.length - 1]! - values[0]!;
  };
  const a = toAggregator('spread', spread);
  t.equal(a.name, 'spread');
  t.equal(a.state, arrivalValuesState);
  const s = feed(a.state, [5, 1, 9]);
  t.equal(a.result(s), 4);
  t.equal(seen[0], s, 'the state array itself, not a copy');
  t.same(s, [5, 1, 9]);
});

t.test('toAggregator: an error thrown by the user function passes through unchanged', async (t) => {
  const boom = new Error('boom');
  const a = toAggregator('bad', () => {
    throw boom;
  });
  t.throws(() => a.result(feed(a.state, [1])), boom);
});

t.test('toAggregator: an arrow function with no name and a function named otherwise', async (t) => {
  t.equal(toAggregator('x', (v) => v.length).name, 'x');
  t.equal(toAggregator('top', max).name, 'top');
});
