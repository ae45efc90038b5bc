import fc from 'fast-check';
import t from 'tap';
import type { Aggregator } from '../../src/aggregators/Aggregator.js';
import { median } from '../../src/aggregators/builtins.js';
import { ddsketchState } from '../../src/aggregators/ddsketchState.js';
import { type PercentileOptions, percentile } from '../../src/aggregators/percentile.js';
import { type ValuesState, valuesState } from '../../src/aggregators/valuesState.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { feed } from './stateLaws.js';

t.test('percentile: is named p<p>', async (t) => {
  t.equal(percentile(99).name, 'p99');
  t.equal(percentile(99.9).name, 'p99.9');
});

t.test('percentile: nearest rank as StatsD upper_<p>', async (t) => {
  t.equal(percentile(50)([4, 1, 3, 2]), 2);
  t.equal(percentile(100)([4, 1, 3, 2]), 4);
  t.equal(percentile(90)([7]), 7);
  // statsd: round(0.9 * 10) = 9 → 9th smallest
  t.equal(percentile(90)([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), 9);
  t.equal(percentile(1)([5, 6]), 5, 'rank never below 1');
});

t.test('percentile: rejects p outside (0, 100]', async (t) => {
  for (const p of [0, -1, 101, Number.NaN, '50' as unknown as number]) {
    t.throws(() => percentile(p), { code: ErrorCode.INVALID_ARGUMENT }, String(p));
  }
});

t.test('percentile: exact form reads a values state through the shared sort (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
        minLength: 1,
        maxLength: 200,
      }),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      (values, p) => {
        const fn = percentile(p);
        const agg = fn.aggregator as Aggregator<ValuesState>;
        if (agg.state !== valuesState || agg.name !== `p${p}`) return false;
        const s = feed(valuesState, values);
        // Compare with the old implementation, buffered: sort a copy, take the nearest rank.
        const sorted = Float64Array.from(values).sort();
        const want = sorted[Math.max(1, Math.round((p / 100) * sorted.length)) - 1]!;
        return (
          Object.is(agg.result(s), want) &&
          Object.is(fn(values), want) &&
          Object.is(median.aggregator.result(s), median(values))
        );
      },
    ),
  );
  t.pass('held');
});

t.test('percentile: the exact percentiles and the median of a group share one sort', async (t) => {
  const s = feed(valuesState, [5, 3, 9, 1, 7]);
  const p90 = percentile(90).aggregator as Aggregator<ValuesState>;
  t.equal(p90.result(s), 9);
  t.ok(s.sorted);
  const sort = Float64Array.prototype.sort;
  let sorts = 0;
  Float64Array.prototype.sort = function (this: Float64Array, ...args) {
    sorts++;
    return sort.apply(this, args);
  };
  try {
    t.equal((percentile(50).aggregator as Aggregator<ValuesState>).result(s), 5);
    t.equal(median.aggregator.result(s), 5);
    t.equal(sorts, 0);
  } finally {
    Float64Array.prototype.sort = sort;
  }
});

t.test('percentile: with sketch, function and aggregator use ddsketchState(α), named p<p>', async (t) => {
  const f = percentile(99, { sketch: true });
  t.equal(f.name, 'p99');
  t.equal(f.aggregator.name, 'p99');
  t.equal(f.aggregator.state, ddsketchState(0.01));
  t.equal(percentile(50, { sketch: { relativeAccuracy: 0.05 } }).aggregator.state, ddsketchState(0.05));
  t.equal(percentile(50, { sketch: {} }).aggregator.state, ddsketchState(0.01), 'default α');
  t.equal(percentile(50, { sketch: false }).aggregator.state, valuesState, 'sketch: false is exact');
  t.equal(percentile(50, {}).aggregator.state, valuesState);
  t.equal(f([4, 1, 3, 2]), 4, 'p99 of four values is the exact max');
  t.equal(percentile(1, { sketch: true })([5, 6]), 5, 'rank 1 is the exact min');
});

t.test('percentile: sketched results within α of the exact ones (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((v) => v === 0 || Math.abs(v) > 1e-6),
        {
          minLength: 1,
          maxLength: 200,
        },
      ),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.constantFrom(0.01, 0.02, 0.1),
      (values, p, alpha) => {
        const exact = percentile(p)(values);
        const f = percentile(p, { sketch: { relativeAccuracy: alpha } });
        const s = feed(f.aggregator.state, values);
        const viaState = f.aggregator.result(s);
        const tolerance = (alpha + 1e-12) * Math.abs(exact);
        return Math.abs(f(values) - exact) <= tolerance && Object.is(viaState, f(values));
      },
    ),
  );
  t.pass('held');
});

t.test('percentile: rejects malformed options with ERR_METRIX_INVALID_ARGUMENT naming them', async (t) => {
  const bad: [unknown, RegExp][] = [
    [null, /options must be an object/],
    ['sketch', /options must be an object/],
    [{ sketch: 'yes' }, /options\.sketch must be/],
    [{ sketch: 1 }, /options\.sketch must be/],
    [{ sketch: null }, /options\.sketch must be/],
    [{ sketch: { relativeAccuracy: 0 } }, /options\.sketch\.relativeAccuracy/],
    [{ sketch: { relativeAccuracy: 1 } }, /options\.sketch\.relativeAccuracy/],
    [{ sketch: { relativeAccuracy: Number.NaN } }, /options\.sketch\.relativeAccuracy/],
    [{ sketch: { relativeAccuracy: '0.01' } }, /options\.sketch\.relativeAccuracy/],
  ];
  for (const [options, message] of bad) {
    t.throws(
      () => percentile(50, options as PercentileOptions),
      { code: ErrorCode.INVALID_ARGUMENT, message },
      JSON.stringify(options),
    );
  }
});
