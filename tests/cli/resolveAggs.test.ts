import t from 'tap';
import { max, mean, sum } from '../../src/aggregators/builtins.js';
import { aggByName, resolveAggs } from '../../src/cli/resolveAggs.js';
import { ErrorCode } from '../../src/MetrixError.js';

t.test('resolveAggs: names, aliases and percentiles, in order', async (t) => {
  const aggs = resolveAggs(['sum', 'upper=max', 'p99.9', 'mean']);
  t.same(Object.keys(aggs), ['sum', 'upper', 'p99.9', 'mean']);
  t.equal(aggs.sum, sum);
  t.equal(aggs.upper, max);
  t.equal(aggs['p99.9']?.([1, 2, 3]), 3);
  t.equal(resolveAggs({ avg: 'mean' }).avg, mean);
});

t.test('resolveAggs: __proto__ as an alias stays a plain key', async (t) => {
  const aggs = resolveAggs(['__proto__=sum']);
  t.ok(Object.hasOwn(aggs, '__proto__'));
  t.equal(Object.getPrototypeOf(aggs), Object.prototype);
});

t.test('resolveAggs: unknown, empty, duplicate and ill-typed names are INVALID_AGG', async (t) => {
  for (const bad of [['nope'], [], {}, ['sum', 'sum'], ['=sum'], [3], { a: 3 }, 'sum', null]) {
    t.throws(() => resolveAggs(bad as never), { code: ErrorCode.INVALID_AGG }, JSON.stringify(bad));
  }
  t.throws(() => aggByName('p0'), { code: ErrorCode.INVALID_AGG, message: /p0.*0 < N <= 100/ });
  t.throws(() => aggByName('p101'), { code: ErrorCode.INVALID_AGG });
  t.throws(() => aggByName('toString'), { code: ErrorCode.INVALID_AGG });
});
