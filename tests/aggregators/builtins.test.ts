import fc from 'fast-check';
import t from 'tap';
import type { StateKind } from '../../src/aggregators/Aggregator.js';
import { count, first, last, max, mean, median, min, stdev, sum, variance } from '../../src/aggregators/builtins.js';

t.test('builtins: named after their export', async (t) => {
  const fns = { count, first, last, max, mean, median, min, stdev, sum, variance };
  for (const [name, fn] of Object.entries(fns)) t.equal(fn.name, name);
});

t.test('builtins: values on known input', async (t) => {
  const v = [2, 4, 4, 4, 5, 5, 7, 9];
  t.equal(sum(v), 40);
  t.equal(count(v), 8);
  t.equal(min(v), 2);
  t.equal(max(v), 9);
  t.equal(mean(v), 5);
  t.equal(median(v), 4.5);
  t.equal(median([3, 1, 2]), 2);
  t.equal(first(v), 2);
  t.equal(last(v), 9);
  t.equal(variance([1, 2, 3, 4]), 5 / 3);
  t.equal(stdev(v), Math.sqrt(32 / 7));
  t.equal(min([-0.5]), -0.5);
  t.equal(max([-3, -2]), -2);
});

t.test('builtins: sample statistics of a single value are 0, not an error (regression)', async (t) => {
  t.equal(variance([42]), 0);
  t.equal(stdev([42]), 0);
});

t.test('builtins: variance is exact for large close values', async (t) => {
  t.equal(variance([1e9 + 1, 1e9 + 2, 1e9 + 3]), 1);
});

t.test('builtins: median does not reorder its input', async (t) => {
  const v = [3, 1, 2];
  median(v);
  t.same(v, [3, 1, 2]);
});

t.test('builtins: algebra — sum/count/min/max of a split equal those of the whole (property)', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 2 }), fc.nat(), (values, at) => {
      const i = 1 + (at % (values.length - 1));
      const a = values.slice(0, i);
      const b = values.slice(i);
      return (
        sum(a) + sum(b) === sum(values) &&
        count(a) + count(b) === count(values) &&
        Math.min(min(a), min(b)) === min(values) &&
        Math.max(max(a), max(b)) === max(values)
      );
    }),
  );
  t.pass('held');
});

const incremental = { count, first, last, max, mean, median, min, stdev, sum, variance };

t.test('builtins: each carries a read-only aggregator named as the function', async (t) => {
  const kinds: Record<string, string> = {
    sum: 'summary',
    count: 'summary',
    min: 'summary',
    max: 'summary',
    mean: 'summary',
    first: 'summary',
    last: 'summary',
    variance: 'welford',
    stdev: 'welford',
    median: 'values',
  };
  for (const [name, fn] of Object.entries(incremental)) {
    t.equal(fn.aggregator.name, name);
    t.equal(fn.aggregator.state.id, kinds[name], `${name} reads ${kinds[name]}`);
    t.notOk(Object.keys(fn).includes('aggregator'), `${name}.aggregator is not enumerable`);
    t.throws(() => {
      (fn as unknown as { aggregator: unknown }).aggregator = null;
    }, TypeError);
    t.ok(Object.isFrozen(fn.aggregator));
  }
  t.equal(sum.aggregator.state, mean.aggregator.state, 'one shared state kind object');
});

/** The aggregator's result on a state fed `values`, the state made once per kind as a window would. */
function viaState(fns: (typeof incremental)[keyof typeof incremental][], values: readonly number[]): number[] {
  const states = new Map<unknown, unknown>();
  for (const fn of fns) {
    const kind = fn.aggregator.state as StateKind<unknown>;
    if (!states.has(kind)) {
      const s = kind.create();
      for (const v of values) kind.add(s, v);
      states.set(kind, s);
    }
  }
  return fns.map((fn) => (fn.aggregator.result as (s: unknown) => number)(states.get(fn.aggregator.state)));
}

t.test('builtins: aggregators equal the functions on any input (property)', async (t) => {
  const exact = [sum, count, min, max, mean, first, last, median];
  const values = fc.oneof(
    fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 200 }),
    fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
  );
  fc.assert(
    fc.property(values, (values) => {
      const got = viaState([...exact, variance, stdev], values);
      for (let i = 0; i < exact.length; i++) if (!Object.is(got[i], exact[i]!(values))) return false;
      // variance/stdev: Welford against the two-pass functions, within 1e-9 relative plus the
      // rounding floor welfordState.test.ts explains (tiny spread next to the values, underflow).
      const scale = Math.max(...values.map(Math.abs));
      const spread = Math.max(...values) - Math.min(...values);
      const n = values.length;
      const floor = 8 * n * Number.EPSILON * scale * spread + n * (4 * Number.EPSILON * scale) ** 2 + 1e-300;
      const v = variance(values);
      const s = stdev(values);
      return Math.abs(got[8]! - v) <= 1e-9 * v + floor && Math.abs(got[9]! - s) <= 1e-9 * s + Math.sqrt(floor);
    }),
  );
  t.pass('held');
});

t.test('builtins: aggregators on known input, and exact for large close values', async (t) => {
  const v = [2, 4, 4, 4, 5, 5, 7, 9];
  t.same(viaState([sum, count, min, max, mean, median, first, last, variance, stdev], v), [
    40,
    8,
    2,
    9,
    5,
    4.5,
    2,
    9,
    32 / 7,
    Math.sqrt(32 / 7),
  ]);
  t.same(viaState([variance, stdev], [42]), [0, 0], 'one value: 0, as the functions');
  t.same(viaState([variance], [1e9 + 1, 1e9 + 2, 1e9 + 3]), [1]);
  t.same(viaState([median], [3, 1, 2]), [2]);
});

t.test('builtins: an overflowing sum reads as Infinity (the stream drops it, not the aggregator)', async (t) => {
  t.same(viaState([sum, mean], [1e308, 1e308]), [Infinity, Infinity]);
  t.equal(sum([1e308, 1e308]), Infinity);
});

t.test('builtins: the median of values whose sum overflows is still their midpoint (regression)', async (t) => {
  t.equal(median([1e308, 1e308]), 1e308);
  t.equal(median([-1.5e308, -1.7e308]), -1.6e308);
  const s = median.aggregator.state.create();
  for (const v of [1e308, 1e308]) median.aggregator.state.add(s, v);
  t.equal(median.aggregator.result(s), 1e308);
});
