import fc from 'fast-check';
import t from 'tap';
import { SKETCH_BIN_LIMIT, SketchStore } from '../../src/aggregators/SketchStore.js';

/** The store's counts as a map key → count, from minKey to maxKey. */
function bins(s: SketchStore): Map<number, number> {
  const m = new Map<number, number>();
  s.binCounts().forEach((c, i) => {
    if (c !== 0) m.set(s.minKey + i, c);
  });
  return m;
}

t.test('SketchStore: counts keys, ranks from either end', async (t) => {
  const s = new SketchStore();
  t.equal(s.counts.length, 0, 'nothing allocated while empty');
  for (const k of [5, 3, 5, 9, -2]) s.add(k, 1);
  t.equal(s.count, 5);
  t.same(
    [...bins(s)],
    [
      [-2, 1],
      [3, 1],
      [5, 2],
      [9, 1],
    ],
  );
  t.same(
    [1, 2, 3, 4, 5].map((r) => s.keyAtRank(r)),
    [-2, 3, 5, 5, 9],
  );
  t.same(
    [1, 2, 3, 4, 5].map((r) => s.keyAtRankFromTop(r)),
    [9, 5, 5, 3, -2],
  );
});

t.test('SketchStore: past the limit, the lowest keys fold into the lowest kept one', async (t) => {
  const s = new SketchStore();
  s.add(0, 1);
  s.add(10, 2);
  s.add(SKETCH_BIN_LIMIT + 5, 1);
  t.equal(s.minKey, 6);
  t.equal(s.maxKey, SKETCH_BIN_LIMIT + 5);
  t.equal(bins(s).get(10), 2);
  t.equal(bins(s).get(6), 1, 'key 0 folded into the lowest kept key');
  s.add(-1000, 1);
  t.equal(bins(s).get(6), 2, 'a key below the kept range counts in its lowest bin');
  t.equal(s.count, 5);
});

t.test('SketchStore: any keys, any order: the same bins as folding at the end, bounded (property)', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1, maxLength: 300 }), (keys) => {
      const s = new SketchStore();
      for (const k of keys) s.add(k, 1);
      const top = Math.max(...keys);
      const lo = Math.max(Math.min(...keys), top - SKETCH_BIN_LIMIT + 1);
      const want = new Map<number, number>();
      for (const k of keys) want.set(Math.max(k, lo), (want.get(Math.max(k, lo)) ?? 0) + 1);
      const got = bins(s);
      return (
        s.counts.length <= SKETCH_BIN_LIMIT + 64 &&
        s.maxKey - s.minKey < SKETCH_BIN_LIMIT &&
        got.size === want.size &&
        [...want].every(([k, c]) => got.get(k) === c)
      );
    }),
  );
  t.pass('held');
});

t.test("SketchStore: merge equals adding the other store's keys (property)", async (t) => {
  const keysArb = fc.array(fc.integer({ min: -3000, max: 3000 }), { maxLength: 200 });
  fc.assert(
    fc.property(keysArb, keysArb, (a, b) => {
      const merged = new SketchStore();
      const other = new SketchStore();
      const whole = new SketchStore();
      for (const k of a) merged.add(k, 1);
      for (const k of b) other.add(k, 1);
      for (const k of [...a, ...b]) whole.add(k, 1);
      merged.merge(other);
      return merged.count === whole.count && JSON.stringify([...bins(merged)]) === JSON.stringify([...bins(whole)]);
    }),
  );
  t.pass('held');
});
