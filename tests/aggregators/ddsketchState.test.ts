import { LogCollapsingLowestDenseDDSketch, DDSketch as Reference } from '@datadog/sketches-js';
import fc from 'fast-check';
import t from 'tap';
import { DDSketch, ddsketchState, sketchQuantile } from '../../src/aggregators/ddsketchState.js';
import { nearestRank } from '../../src/aggregators/nearestRank.js';
import { SKETCH_BIN_LIMIT } from '../../src/aggregators/SketchStore.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { cutsArb, feed, mergeParts, roundTrip, split } from './stateLaws.js';

/** Floating-point rounding on top of α: log/exp of keys up to ~745/ln γ, relative. */
const ROUNDING = 1e-12;

const PERCENTILES = [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

/**
 * Values of either sign and zeros, magnitudes 10^lo..10^hi (log-uniform), chosen so that the
 * range of each sign fits in the bins kept at that accuracy (then the guarantee holds at every rank).
 */
function dataArb(lo: number, hi: number) {
  const magnitude = fc.double({ min: lo, max: hi, noNaN: true }).map((e) => 10 ** e);
  const value = fc.oneof(
    { weight: 6, arbitrary: magnitude },
    { weight: 3, arbitrary: magnitude.map((m) => -m) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0) },
    // Integers, bounded by 10^hi so their range fits too (|v| >= 1 >= 10^lo in every setting).
    {
      weight: 1,
      arbitrary: fc.integer({ min: -Math.floor(10 ** Math.min(hi, 3)), max: Math.floor(10 ** Math.min(hi, 3)) }),
    },
  );
  return fc.array(value, { minLength: 1, maxLength: 300 });
}

/** Accuracies with the magnitude range (decades) whose bins fit in the limit. */
const SETTINGS: [alpha: number, lo: number, hi: number][] = [
  [0.01, -6, 9],
  [0.05, -40, 40],
  [0.001, 0, 1.5],
];

/** Whether `got` is within α (plus rounding) of `want`, relative. */
function within(got: number, want: number, alpha: number): boolean {
  return Math.abs(got - want) <= (alpha + ROUNDING) * Math.abs(want);
}

t.test('ddsketchState: one kind per accuracy, id ddsketch:<α>', async (t) => {
  t.equal(ddsketchState(), ddsketchState(0.01));
  t.equal(ddsketchState(0.01).id, 'ddsketch:0.01');
  t.equal(ddsketchState(0.005).id, 'ddsketch:0.005');
  t.not(ddsketchState(0.02), ddsketchState(0.01));
  t.ok(ddsketchState().create() instanceof DDSketch);
});

t.test('ddsketchState: rejects an accuracy outside (0, 1) with ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  for (const alpha of [0, 1, -0.1, 2, Number.NaN, '0.01', null, 1e-15]) {
    t.throws(
      () => ddsketchState(alpha as number),
      { code: ErrorCode.INVALID_ARGUMENT, message: /relativeAccuracy/ },
      String(alpha),
    );
  }
});

t.test('ddsketchState: an empty sketch, zeros, one value, both signs', async (t) => {
  const kind = ddsketchState();
  t.ok(Number.isNaN(sketchQuantile(kind.create(), 1)));
  const zeros = feed(kind, [0, -0, 0]);
  t.equal(zeros.zeroCount, 3);
  t.equal(sketchQuantile(zeros, 2), 0);
  t.equal(sketchQuantile(feed(kind, [42.5]), 1), 42.5);
  const s = feed(kind, [-1000, -5, 0, 10, 1000]);
  t.equal(sketchQuantile(s, 1), -1000, 'rank 1 is the exact min');
  t.equal(sketchQuantile(s, 5), 1000, 'rank n is the exact max');
  t.equal(sketchQuantile(s, 0), -1000, 'ranks clamp');
  t.equal(sketchQuantile(s, 9), 1000, 'ranks clamp');
  t.ok(within(sketchQuantile(s, 2), -5, 0.01));
  t.equal(sketchQuantile(s, 3), 0);
  t.ok(within(sketchQuantile(s, 4), 10, 0.01));
});

t.test('ddsketchState: every rank within α of the exact value (property)', async (t) => {
  for (const [alpha, lo, hi] of SETTINGS) {
    const kind = ddsketchState(alpha);
    fc.assert(
      fc.property(dataArb(lo, hi), (values) => {
        const s = feed(kind, values);
        const sorted = Float64Array.from(values).sort();
        for (let rank = 1; rank <= sorted.length; rank++) {
          if (!within(sketchQuantile(s, rank), sorted[rank - 1]!, alpha)) return false;
        }
        return s.count === values.length;
      }),
      { numRuns: 60 },
    );
  }
  t.pass('held');
});

t.test('ddsketchState: as accurate as @datadog/sketches-js on the same data (property)', async (t) => {
  for (const [alpha, lo, hi] of SETTINGS) {
    const kind = ddsketchState(alpha);
    fc.assert(
      fc.property(dataArb(lo, hi), (values) => {
        const ours = feed(kind, values);
        const theirs = new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: alpha, binLimit: SKETCH_BIN_LIMIT });
        for (const v of values) theirs.accept(v);
        const sorted = Float64Array.from(values).sort();
        const n = sorted.length;
        for (const p of PERCENTILES) {
          const rank = nearestRank(p, n);
          const exact = sorted[rank - 1]!;
          // sketches-js ranks from 0 by q·(n − 1) and takes the first bin whose cumulative count
          // passes it: q = (rank − ½)/(n − 1) selects the same element as our 1-based rank.
          const q = n === 1 ? 0 : Math.min(1, (rank - 0.5) / (n - 1));
          if (!within(theirs.getValueAtQuantile(q), exact, alpha)) return false;
          if (!within(sketchQuantile(ours, rank), exact, alpha)) return false;
        }
        return theirs.count === ours.count;
      }),
      { numRuns: 60 },
    );
  }
  t.pass('held');
});

t.test('ddsketchState: bins stay bounded on data spanning 1e-300..1e300; high ranks stay accurate', async (t) => {
  const kind = ddsketchState();
  const values: number[] = [];
  // Log-uniform over 600 decades, both signs, deterministic.
  for (let i = 0; i < 20_000; i++) {
    const m = 10 ** (-300 + ((i * 7919) % 20_000) * (600 / 20_000));
    values.push(i % 3 === 0 ? -m : m);
  }
  const s = feed(kind, values);
  for (const store of [s.positive, s.negative]) {
    t.ok(store.maxKey - store.minKey + 1 <= SKETCH_BIN_LIMIT, 'at most the limit of keys');
    t.ok(store.counts.length <= SKETCH_BIN_LIMIT + 64, `buffer bounded (${store.counts.length})`);
  }
  const json = kind.toJSON(s);
  t.ok((json.positiveCounts as number[]).length <= SKETCH_BIN_LIMIT);
  t.ok(JSON.stringify(json).length < 40_000, 'the JSON form is bounded too');
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  for (const p of [99, 99.9, 100]) {
    const rank = nearestRank(p, n);
    t.ok(within(sketchQuantile(s, rank), sorted[rank - 1]!, 0.01), `p${p} within α`);
  }
  t.equal(sketchQuantile(s, 1), sorted[0], 'min exact');
  t.equal(s.count, n);
});

t.test('ddsketchState: memory does not grow with the count', async (t) => {
  const kind = ddsketchState();
  const s = kind.create();
  for (let i = 0; i < 100_000; i++) kind.add(s, 1 + (i % 1000) / 1000);
  t.ok(s.positive.counts.length <= 128, `buffer of ${s.positive.counts.length} bins`);
  t.equal(s.negative.counts.length, 0, 'an unused store allocates nothing');
});

t.test('ddsketchState: values near the largest double stay finite', async (t) => {
  const kind = ddsketchState(0.5);
  const s = feed(kind, [Number.MAX_VALUE, Number.MAX_VALUE / 1.5, -Number.MAX_VALUE, 5e-324]);
  for (let rank = 1; rank <= 4; rank++) t.ok(Number.isFinite(sketchQuantile(s, rank)), `rank ${rank}`);
  t.ok(within(sketchQuantile(s, 3), Number.MAX_VALUE / 1.5, 0.5));
});

/** The sketch's whole content, to compare two sketches bin for bin. */
function content(s: DDSketch) {
  return JSON.stringify(ddsketchState(s.mapping.relativeAccuracy).toJSON(s));
}

t.test('ddsketchState: merging the parts of any split gives the very same sketch (property)', async (t) => {
  // Bin counts are integers and folds always land in the final lowest kept bin, so merging is
  // exact, even on data wide enough to fold.
  for (const [alpha, lo, hi] of [...SETTINGS, [0.01, -300, 300] as const]) {
    const kind = ddsketchState(alpha);
    fc.assert(
      fc.property(dataArb(lo, hi), cutsArb, (values, cuts) => {
        const whole = feed(kind, values);
        const merged = mergeParts(kind, split(values, cuts));
        return content(merged) === content(whole) && merged.min === whole.min && merged.max === whole.max;
      }),
      { numRuns: 60 },
    );
  }
  t.pass('held');
});

t.test('ddsketchState: merge leaves from unchanged; an empty side changes nothing', async (t) => {
  const kind = ddsketchState();
  const a = feed(kind, [1, 2]);
  const b = feed(kind, [-3, 400]);
  const before = content(b);
  kind.merge(a, b);
  t.equal(content(b), before);
  t.equal(a.count, 4);
  t.equal(a.min, -3);
  t.equal(a.max, 400);
  kind.merge(a, kind.create());
  t.equal(a.count, 4);
  const e = kind.create();
  kind.merge(e, a);
  t.equal(content(e), content(a));
});

t.test('ddsketchState: JSON round trip gives the same sketch, and it still merges (property)', async (t) => {
  const kind = ddsketchState();
  fc.assert(
    fc.property(fc.oneof(dataArb(-6, 9), fc.constant([])), dataArb(-300, 300), (a, b) => {
      const back = roundTrip(kind, feed(kind, a));
      if (content(back) !== content(feed(kind, a))) return false;
      kind.merge(back, roundTrip(kind, feed(kind, b)));
      return content(back) === content(feed(kind, [...a, ...b]));
    }),
    { numRuns: 60 },
  );
  t.same(kind.toJSON(kind.create()), {
    v: 1,
    kind: 'ddsketch:0.01',
    count: 0,
    zeroCount: 0,
    min: null,
    max: null,
    positiveMinKey: 0,
    positiveCounts: [],
    negativeMinKey: 0,
    negativeCounts: [],
  });
  t.pass('held');
});

t.test('ddsketchState: fromJSON rejects malformed forms with ERR_METRIX_INVALID_STATE', async (t) => {
  const kind = ddsketchState();
  const good = kind.toJSON(feed(kind, [-2, 0, 3, 4]));
  t.equal(content(kind.fromJSON(good)), JSON.stringify(good));
  const bad: [unknown, RegExp][] = [
    ['sketch', /object/],
    [{ ...good, kind: 'ddsketch:0.02' }, /kind/],
    [{ ...good, v: 2 }, /v: 1/],
    [{ ...good, count: 5 }, /'count'/],
    [{ ...good, zeroCount: -1 }, /'zeroCount'/],
    [{ ...good, min: null }, /'min'/],
    [{ ...good, min: 1 }, /'min'/],
    [{ ...good, max: -1 }, /'max'/],
    [{ ...good, positiveMinKey: 1.5 }, /'positiveMinKey'/],
    [{ ...good, positiveMinKey: 2 ** 53 }, /'positiveMinKey'/],
    [{ ...good, positiveCounts: [1, 0.5] }, /'positiveCounts'/],
    [{ ...good, positiveCounts: [1, -1, 2] }, /'positiveCounts'/],
    [{ ...good, negativeCounts: 'x' }, /'negativeCounts'/],
    [{ ...good, negativeCounts: new Array(SKETCH_BIN_LIMIT + 1).fill(0) }, /'negativeCounts'/],
    [{ ...kind.toJSON(kind.create()), min: 0 }, /'min'/],
  ];
  for (const [json, message] of bad) {
    t.throws(() => kind.fromJSON(json), { code: ErrorCode.INVALID_STATE, message }, JSON.stringify(json).slice(0, 80));
  }
});

t.test('ddsketchState: reference sketch sanity (the unbounded DDSketch agrees too)', async (t) => {
  const values = Array.from({ length: 1000 }, (_, i) => (i - 300) * 1.7);
  const ref = new Reference({ relativeAccuracy: 0.01 });
  for (const v of values) ref.accept(v);
  const s = feed(ddsketchState(), values);
  const sorted = Float64Array.from(values).sort();
  for (const p of PERCENTILES) {
    const rank = nearestRank(p, values.length);
    t.ok(within(sketchQuantile(s, rank), sorted[rank - 1]!, 0.01), `p${p}`);
  }
  t.equal(ref.count, s.count);
});
