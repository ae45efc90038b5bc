import fc from 'fast-check';
import t from 'tap';
import { stdev, variance } from '../../src/aggregators/builtins.js';
import { WelfordState, welfordState } from '../../src/aggregators/welfordState.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { close, cutsArb, feed, integerArb, mergeParts, roundTrip, split, valuesArb } from './stateLaws.js';

/** Sample variance of a state, as the variance aggregator reads it. */
const sampleVariance = (s: WelfordState) => (s.n < 2 ? 0 : s.m2 / (s.n - 1));

/**
 * How far Welford's running mean may drift from the two-pass one: each update rounds the mean by
 * about ε·max|v|, and that error reaches the variance multiplied by the spread. For data spread
 * widely this floor is far below 1e-9 relative; it matters only when the spread is tiny next to
 * the values (then the variance itself is mostly rounding, in the two-pass reference too).
 */
function floor(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  const n = values.length;
  // The second term: the two-pass mean itself is off by about ε·max|v|, which adds n·(ε·max|v|)²
  // to its sum of squares (visible when all values are equal). 1e-300: squares of values below
  // ~1e-154 underflow into subnormals in both algorithms.
  return 8 * n * Number.EPSILON * scale * (hi - lo) + n * (4 * Number.EPSILON * scale) ** 2 + 1e-300;
}

/**
 * How far two means of the same values may be apart in absolute terms: each is off by a few ε
 * of the largest |value| (regression: [999999.6, 0, -999999.75] has a mean of -0.048, whose
 * merged and whole forms differ by 1.2e-10, far beyond 1e-9 relative of so small a mean).
 */
function meanFloor(values: readonly number[]): number {
  let scale = 0;
  for (const v of values) scale = Math.max(scale, Math.abs(v));
  return 8 * values.length * Number.EPSILON * scale;
}

t.test('welfordState: id and an empty state', async (t) => {
  t.equal(welfordState.id, 'welford');
  const s = welfordState.create();
  t.ok(s instanceof WelfordState);
  t.same({ ...s }, { n: 0, mean: 0, m2: 0 });
});

t.test('welfordState: known values, and exact for large close values', async (t) => {
  const s = feed(welfordState, [2, 4, 4, 4, 5, 5, 7, 9]);
  t.same({ ...s }, { n: 8, mean: 5, m2: 32 });
  t.equal(sampleVariance(feed(welfordState, [1e9 + 1, 1e9 + 2, 1e9 + 3])), 1);
  t.equal(sampleVariance(feed(welfordState, [42])), 0);
});

t.test('welfordState: within 1e-9 relative of the two-pass variance and stdev (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(), (values) => {
      const s = feed(welfordState, values);
      const v = sampleVariance(s);
      return (
        close(v, variance(values), 1e-9, floor(values)) &&
        close(Math.sqrt(v), stdev(values), 1e-9, Math.sqrt(floor(values)))
      );
    }),
  );
  t.pass('held');
});

t.test('welfordState: merging the parts of any split equals one state of the whole (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(0), cutsArb, (values, cuts) => {
      const whole = feed(welfordState, values);
      const merged = mergeParts(welfordState, split(values, cuts));
      return (
        merged.n === whole.n &&
        close(merged.mean, whole.mean, 1e-9, meanFloor(values)) &&
        close(sampleVariance(merged), sampleVariance(whole), 1e-9, floor(values))
      );
    }),
  );
  // Integers: Chan's formula is exact when every intermediate is (small integers, power-of-two splits).
  fc.assert(
    fc.property(fc.array(integerArb, { minLength: 1, maxLength: 50 }), (values) => {
      const merged = mergeParts(welfordState, [values, values]);
      const whole = feed(welfordState, [...values, ...values]);
      return merged.n === whole.n && close(sampleVariance(merged), sampleVariance(whole), 1e-9, floor(values));
    }),
  );
  t.pass('held');
});

t.test('welfordState: merge with an empty side leaves the other unchanged', async (t) => {
  const a = feed(welfordState, [1, 2, 3]);
  welfordState.merge(a, welfordState.create());
  t.same({ ...a }, { n: 3, mean: 2, m2: 2 });
  const e = welfordState.create();
  welfordState.merge(e, a);
  t.same({ ...e }, { n: 3, mean: 2, m2: 2 });
  t.same({ ...a }, { n: 3, mean: 2, m2: 2 }, 'from unchanged');
});

t.test('welfordState: JSON round trip gives the same state, and it still merges (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(0), valuesArb(0), (a, b) => {
      const back = roundTrip(welfordState, feed(welfordState, a));
      const direct = feed(welfordState, a);
      if (!same(back, direct)) return false;
      welfordState.merge(back, roundTrip(welfordState, feed(welfordState, b)));
      welfordState.merge(direct, feed(welfordState, b));
      return same(back, direct);
    }),
  );
  const overflowed = feed(welfordState, [1e308, -1e308, 1e308]);
  const back = roundTrip(welfordState, overflowed);
  t.ok(Object.is(back.mean, overflowed.mean) && Object.is(back.m2, overflowed.m2), 'non-finite kept');
  t.pass('held');
});

function same(a: WelfordState, b: WelfordState): boolean {
  return a.n === b.n && a.mean === b.mean && a.m2 === b.m2;
}

t.test('welfordState: fromJSON rejects malformed forms with ERR_METRIX_INVALID_STATE', async (t) => {
  const good = { v: 1, kind: 'welford', n: 3, mean: 2, m2: 2 };
  t.same({ ...welfordState.fromJSON(good) }, { n: 3, mean: 2, m2: 2 });
  const bad: [unknown, RegExp][] = [
    [undefined, /object/],
    [{ ...good, v: '1' }, /v: 1/],
    [{ ...good, kind: 'summary' }, /kind/],
    [{ ...good, n: -3 }, /'n'/],
    [{ ...good, n: 2 ** 60 }, /'n'/],
    [{ ...good, mean: '2' }, /'mean'/],
    [{ ...good, m2: null }, /'m2'/],
    [{ ...good, m2: -1 }, /'m2'/],
    [{ v: 1, kind: 'welford', n: 0, mean: 1, m2: 0 }, /'mean'/],
  ];
  for (const [json, message] of bad) {
    t.throws(
      () => welfordState.fromJSON(json),
      { code: ErrorCode.INVALID_STATE, message },
      String(JSON.stringify(json)),
    );
  }
});
