import fc from 'fast-check';
import t from 'tap';
import { count, first, last, max, mean, min, sum } from '../../src/aggregators/builtins.js';
import { SummaryState, summaryState } from '../../src/aggregators/summaryState.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { close, cutsArb, feed, integerArb, magnitude, mergeParts, roundTrip, split, valuesArb } from './stateLaws.js';

t.test('summaryState: id and an empty state', async (t) => {
  t.equal(summaryState.id, 'summary');
  const s = summaryState.create();
  t.ok(s instanceof SummaryState);
  t.same({ ...s }, { count: 0, sum: 0, min: Infinity, max: -Infinity, first: NaN, last: NaN });
});

t.test('summaryState: add keeps count, sum, min, max, first, last', async (t) => {
  const s = feed(summaryState, [4, -2, 9, 3]);
  t.same({ ...s }, { count: 4, sum: 14, min: -2, max: 9, first: 4, last: 3 });
});

t.test('summaryState: equals the plain functions exactly on any input (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(), (values) => {
      const s = feed(summaryState, values);
      // Object.is: the same left-to-right sum, and the same choice between 0 and -0.
      return (
        Object.is(s.sum, sum(values)) &&
        s.count === count(values) &&
        Object.is(s.min, min(values)) &&
        Object.is(s.max, max(values)) &&
        Object.is(s.first, first(values)) &&
        Object.is(s.last, last(values)) &&
        Object.is(s.sum / s.count, mean(values))
      );
    }),
  );
  t.pass('held');
});

t.test('summaryState: merging the parts of any split equals one state of the whole (property)', async (t) => {
  fc.assert(
    fc.property(fc.array(integerArb, { maxLength: 200 }), cutsArb, (values, cuts) => {
      const whole = feed(summaryState, values);
      const merged = mergeParts(summaryState, split(values, cuts));
      // Integers: every partial sum is exact, so the merged state is the whole state.
      return Object.is(merged.sum, whole.sum) && merged.count === whole.count && sameOrderStats(merged, whole);
    }),
  );
  fc.assert(
    fc.property(valuesArb(), cutsArb, (values, cuts) => {
      const whole = feed(summaryState, values);
      const merged = mergeParts(summaryState, split(values, cuts));
      // Doubles: sums in another order differ by rounding, bounded relative to Σ|v| (a result near
      // 0 after cancellation has no meaningful relative error of its own).
      return (
        merged.count === whole.count &&
        close(merged.sum, whole.sum, 0, 1e-9 * magnitude(values)) &&
        sameOrderStats(merged, whole)
      );
    }),
  );
  t.pass('held');
});

/** min/max by value (0 and -0 may swap between orders of comparison); first/last exactly. */
function sameOrderStats(a: SummaryState, b: SummaryState): boolean {
  if (b.count === 0) return a.count === 0 && Number.isNaN(a.first) && a.min === Infinity;
  return a.min === b.min && a.max === b.max && Object.is(a.first, b.first) && Object.is(a.last, b.last);
}

t.test('summaryState: merge with an empty side keeps first and last right', async (t) => {
  const a = feed(summaryState, [1, 2]);
  summaryState.merge(a, summaryState.create());
  t.same({ ...a }, { count: 2, sum: 3, min: 1, max: 2, first: 1, last: 2 });
  const e = summaryState.create();
  summaryState.merge(e, feed(summaryState, [7, 5]));
  t.same({ ...e }, { count: 2, sum: 12, min: 5, max: 7, first: 7, last: 5 });
  const from = feed(summaryState, [9]);
  summaryState.merge(a, from);
  t.same({ ...a }, { count: 3, sum: 12, min: 1, max: 9, first: 1, last: 9 });
  t.same({ ...from }, { count: 1, sum: 9, min: 9, max: 9, first: 9, last: 9 }, 'from unchanged');
});

t.test('summaryState: an overflowing sum is Infinity, and survives JSON', async (t) => {
  const s = feed(summaryState, [1e308, 1e308]);
  t.equal(s.sum, Infinity);
  t.equal(sum.aggregator.result(s), Infinity);
  t.equal(mean.aggregator.result(s), Infinity);
  t.equal(roundTrip(summaryState, s).sum, Infinity);
  const neg = feed(summaryState, [-1e308, -1e308]);
  t.equal(roundTrip(summaryState, neg).sum, -Infinity);
  summaryState.merge(s, neg);
  t.ok(Number.isNaN(roundTrip(summaryState, s).sum), 'opposite overflows merge to NaN, kept as such');
});

t.test('summaryState: JSON round trip gives the same state, and it still merges (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(0), valuesArb(0), (a, b) => {
      const back = roundTrip(summaryState, feed(summaryState, a));
      const direct = feed(summaryState, a);
      if (!sameState(back, direct)) return false;
      summaryState.merge(back, roundTrip(summaryState, feed(summaryState, b)));
      summaryState.merge(direct, feed(summaryState, b));
      return sameState(back, direct);
    }),
  );
  t.same(summaryState.toJSON(summaryState.create()), {
    v: 1,
    kind: 'summary',
    count: 0,
    sum: 0,
    min: null,
    max: null,
    first: null,
    last: null,
  });
  t.pass('held');
});

function sameState(a: SummaryState, b: SummaryState): boolean {
  return (
    a.count === b.count &&
    Object.is(a.sum, b.sum) &&
    // === rather than Object.is: JSON writes -0 as 0 (documented); NaN/Infinity for the empty state.
    (a.min === b.min || Object.is(a.min, b.min)) &&
    (a.max === b.max || Object.is(a.max, b.max)) &&
    (a.first === b.first || Object.is(a.first, b.first)) &&
    (a.last === b.last || Object.is(a.last, b.last))
  );
}

t.test('summaryState: fromJSON rejects malformed forms with ERR_METRIX_INVALID_STATE', async (t) => {
  const good = { v: 1, kind: 'summary', count: 2, sum: 3, min: 1, max: 2, first: 1, last: 2 };
  t.same({ ...summaryState.fromJSON(good) }, { count: 2, sum: 3, min: 1, max: 2, first: 1, last: 2 });
  const bad: [unknown, RegExp][] = [
    [null, /object/],
    [[1], /object/],
    ['summary', /object/],
    [{ ...good, v: 2 }, /v: 1/],
    [{ ...good, kind: 'welford' }, /kind/],
    [{ ...good, count: -1 }, /'count'/],
    [{ ...good, count: 1.5 }, /'count'/],
    [{ ...good, count: '2' }, /'count'/],
    [{ ...good, sum: null }, /'sum'/],
    [{ ...good, sum: 'many' }, /'sum'/],
    [{ ...good, min: 'NaN' }, /'min'/],
    [{ ...good, max: null }, /'max'/],
    [{ ...good, min: 5 }, /'min'/],
    [{ ...good, first: 7 }, /'first'/],
    [{ ...good, last: -7 }, /'last'/],
    [{ v: 1, kind: 'summary', count: 0, sum: 1, min: null, max: null, first: null, last: null }, /'sum'/],
    [{ v: 1, kind: 'summary', count: 0, sum: 0, min: 1, max: null, first: null, last: null }, /'min'/],
  ];
  for (const [json, message] of bad) {
    t.throws(() => summaryState.fromJSON(json), { code: ErrorCode.INVALID_STATE, message }, JSON.stringify(json));
  }
});
