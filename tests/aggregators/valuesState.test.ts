import fc from 'fast-check';
import t from 'tap';
import { sortedValues, ValuesState, valueAtRank, valuesState } from '../../src/aggregators/valuesState.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { cutsArb, feed, mergeParts, roundTrip, split, valuesArb } from './stateLaws.js';

/** The reference: a sorted copy, as median() and percentile() always made. */
const reference = (values: readonly number[]) => Float64Array.from(values).sort();

t.test('valuesState: id and an empty state', async (t) => {
  t.equal(valuesState.id, 'values');
  const s = valuesState.create();
  t.ok(s instanceof ValuesState);
  t.equal(s.length, 0);
  t.same(Array.from(sortedValues(s)), []);
});

t.test('valuesState: keeps arrival order until sorted, 8 bytes a value in a doubling buffer', async (t) => {
  const s = feed(valuesState, [5, -1, 3]);
  t.same(Array.from(s.values.subarray(0, s.length)), [5, -1, 3]);
  t.ok(s.values instanceof Float64Array);
  const big = feed(
    valuesState,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  t.equal(big.length, 1000);
  t.equal(big.values.length, 1024, 'capacity doubles from 8');
});

t.test('valuesState: sortedValues sorts once, in place, and the sort is shared', async (t) => {
  const s = feed(valuesState, [3, 1, 2]);
  const a = sortedValues(s);
  t.same(Array.from(a), [1, 2, 3]);
  t.equal(a.buffer, s.values.buffer, 'a view of the state, not a copy');
  t.ok(s.sorted);
  const sort = Float64Array.prototype.sort;
  let sorts = 0;
  Float64Array.prototype.sort = function (this: Float64Array, ...args) {
    sorts++;
    return sort.apply(this, args);
  };
  try {
    sortedValues(s);
    sortedValues(s);
    t.equal(sorts, 0, 'no second sort');
    valuesState.add(s, 0);
    t.notOk(s.sorted, 'an add clears the flag');
    t.same(Array.from(sortedValues(s)), [0, 1, 2, 3]);
    t.equal(sorts, 1);
  } finally {
    Float64Array.prototype.sort = sort;
  }
});

t.test('valuesState: sortedValues equals a sorted copy of the input (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(0), (values) => {
      const s = feed(valuesState, values);
      return sameArray(sortedValues(s), reference(values));
    }),
  );
  t.pass('held');
});

t.test('valuesState: merging the parts of any split equals one state of the whole (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(0), cutsArb, fc.boolean(), (values, cuts, sortFirst) => {
      const parts = split(values, cuts);
      const into = valuesState.create();
      for (const part of parts) {
        const s = feed(valuesState, part);
        // A part already read (sorted in place) merges the same.
        if (sortFirst) sortedValues(s);
        valuesState.merge(into, s);
      }
      const merged = mergeParts(valuesState, parts);
      return (
        merged.length === values.length &&
        sameArray(merged.values.subarray(0, merged.length), Float64Array.from(values)) &&
        sameArray(sortedValues(into), reference(values))
      );
    }),
  );
  t.pass('held');
});

t.test('valuesState: merge leaves from unchanged', async (t) => {
  const a = feed(valuesState, [1]);
  const b = feed(valuesState, [3, 2]);
  sortedValues(a);
  valuesState.merge(a, b);
  t.notOk(a.sorted, 'merged values are unsorted again');
  t.same(Array.from(sortedValues(a)), [1, 2, 3]);
  t.same(Array.from(b.values.subarray(0, b.length)), [3, 2]);
  valuesState.merge(a, valuesState.create());
  t.equal(a.length, 3);
});

t.test('valuesState: JSON round trip gives the same values, and they still merge (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(0), valuesArb(0), (a, b) => {
      const back = roundTrip(valuesState, feed(valuesState, a));
      valuesState.merge(back, roundTrip(valuesState, feed(valuesState, b)));
      // === not Object.is: JSON has no -0.
      const want = reference([...a, ...b]);
      const got = sortedValues(back);
      return got.length === want.length && got.every((v, i) => v === want[i]);
    }),
  );
  t.same(valuesState.toJSON(feed(valuesState, [2, 1])), { v: 1, kind: 'values', values: [2, 1] });
  t.pass('held');
});

t.test('valuesState: fromJSON rejects malformed forms with ERR_METRIX_INVALID_STATE', async (t) => {
  t.same(Array.from(sortedValues(valuesState.fromJSON({ v: 1, kind: 'values', values: [] }))), []);
  const big = valuesState.fromJSON({ v: 1, kind: 'values', values: Array.from({ length: 20 }, (_, i) => -i) });
  t.equal(big.length, 20);
  t.equal(sortedValues(big)[0], -19);
  const bad: [unknown, RegExp][] = [
    [42, /object/],
    [{ v: 1, kind: 'values' }, /'values'/],
    [{ v: 1, kind: 'arrival', values: [] }, /kind/],
    [{ v: 0, kind: 'values', values: [] }, /v: 1/],
    [{ v: 1, kind: 'values', values: [1, null] }, /element 1/],
    [{ v: 1, kind: 'values', values: [1, '2'] }, /element 1/],
    [{ v: 1, kind: 'values', values: { 0: 1 } }, /'values'/],
  ];
  for (const [json, message] of bad) {
    t.throws(() => valuesState.fromJSON(json), { code: ErrorCode.INVALID_STATE, message }, JSON.stringify(json));
  }
});

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

t.test(
  'valuesState: a large group fills 64 KiB chunks, never copied as it grows; order, sort and merge hold',
  async (t) => {
    const n = 50_000;
    const values = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const s = feed(valuesState, values);
    t.equal(s.length, n);
    t.ok(s.chunks.length >= 5, `${s.chunks.length} full chunks`);
    const held = s.chunks.reduce((a, c) => a + c.length, 0) + s.values.length;
    t.ok(held - n < 8192, `at most one chunk more than the values (${held - n} spare)`);
    t.same(
      (valuesState.toJSON(s) as unknown as { values: number[] }).values,
      values,
      'arrival order kept across chunks',
    );
    const other = feed(valuesState, [n, n + 1]);
    valuesState.merge(other, s);
    t.equal(other.length, n + 2);
    const sorted = sortedValues(s);
    t.same(
      Array.from(sorted),
      [...values].sort((a, b) => a - b),
    );
    t.equal(s.chunks.length, 0, 'joined once for the sort');
    valuesState.add(s, -1);
    t.equal(sortedValues(s)[0], -1, 'adds after a sort go on, and sort again');
    t.equal(sortedValues(other)[n + 1], n + 1);
  },
);

t.test(
  'valuesState: valueAtRank across chunks equals the sorted reference at every rank asked (property)',
  async (t) => {
    await fc.assert(
      fc.property(
        fc.integer({ min: 8193, max: 40_000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
        (n, distinct, at) => {
          // Few distinct values: many ties across chunks, the hard case for a pivot.
          const values = Array.from({ length: n }, (_, i) => ((i * 2654435761) % 1e9) % distinct);
          const s = feed(valuesState, values);
          const want = reference(values);
          return at.every((q) => {
            const rank = 1 + Math.floor(q * (n - 1));
            return valueAtRank(s, rank) === want[rank - 1];
          });
        },
      ),
      { numRuns: 25 },
    );
    const s = feed(valuesState, [1, 2]);
    for (const bad of [0, 3, 1.5, Number.NaN])
      t.throws(() => valueAtRank(s, bad), { code: ErrorCode.INVALID_ARGUMENT });
  },
);
