import fc from 'fast-check';
import t from 'tap';
import { arrivalValuesState } from '../../src/aggregators/arrivalValuesState.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { cutsArb, feed, mergeParts, roundTrip, split, valuesArb } from './stateLaws.js';

t.test('arrivalValuesState: id; the state is the values in arrival order', async (t) => {
  t.equal(arrivalValuesState.id, 'arrival');
  t.same(arrivalValuesState.create(), []);
  t.same(feed(arrivalValuesState, [3, 1, 2]), [3, 1, 2]);
});

t.test('arrivalValuesState: merging the parts of any split gives the whole, in order (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(0), cutsArb, (values, cuts) => {
      const merged = mergeParts(arrivalValuesState, split(values, cuts));
      return merged.length === values.length && merged.every((v, i) => Object.is(v, values[i]));
    }),
  );
  t.pass('held');
});

t.test('arrivalValuesState: merge appends and leaves from unchanged; large states merge', async (t) => {
  const a = [1];
  const b = [2, 3];
  arrivalValuesState.merge(a, b);
  t.same(a, [1, 2, 3]);
  t.same(b, [2, 3]);
  // More values than one call's arguments can hold: merge must not spread them.
  const big = Array.from({ length: 200_000 }, (_, i) => i);
  arrivalValuesState.merge(a, big);
  t.equal(a.length, 200_003);
});

t.test('arrivalValuesState: JSON round trip keeps order; it is a copy (property)', async (t) => {
  fc.assert(
    fc.property(valuesArb(0), (values) => {
      const state = feed(arrivalValuesState, values);
      const json = arrivalValuesState.toJSON(state);
      const back = roundTrip(arrivalValuesState, state);
      return json.values !== state && back.length === values.length && back.every((v, i) => v === values[i]);
    }),
  );
  t.same(arrivalValuesState.toJSON([2, 1]), { v: 1, kind: 'arrival', values: [2, 1] });
  t.pass('held');
});

t.test('arrivalValuesState: fromJSON rejects malformed forms with ERR_METRIX_INVALID_STATE', async (t) => {
  const bad: [unknown, RegExp][] = [
    [[1, 2], /object/],
    [{ v: 1, kind: 'values', values: [] }, /kind/],
    [{ v: 1, kind: 'arrival', values: 'abc' }, /'values'/],
    [{ v: 1, kind: 'arrival', values: [Number.NaN] }, /element 0/],
  ];
  for (const [json, message] of bad) {
    t.throws(() => arrivalValuesState.fromJSON(json), { code: ErrorCode.INVALID_STATE, message }, String(json));
  }
  const json = { v: 1, kind: 'arrival', values: [1, 2] };
  const state = arrivalValuesState.fromJSON(json);
  state.push(3);
  t.same(json.values, [1, 2], 'fromJSON copies');
});
