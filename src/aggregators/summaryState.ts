import type { StateJSON, StateKind } from './Aggregator.js';
import { StateReader } from './StateReader.js';

/**
 * The state behind `sum`, `count`, `min`, `max`, `mean`, `first` and `last`: six numbers,
 * whatever the number of values. A class, so every state has the same fields in the same order
 * and the hot `add` stays monomorphic.
 *
 * In an empty state (`count` 0) `min` is `+Infinity`, `max` is `-Infinity` and `first`/`last`
 * are `NaN`; no aggregator reads an empty state.
 * @category Aggregators
 */
export class SummaryState {
  /** Number of values added. */
  count = 0;
  /** Their sum, added left to right in arrival order (as `sum(values)` does). */
  sum = 0;
  /** The smallest value. */
  min = Number.POSITIVE_INFINITY;
  /** The largest value. */
  max = Number.NEGATIVE_INFINITY;
  /** The first value in arrival order. */
  first = Number.NaN;
  /** The last value in arrival order. */
  last = Number.NaN;
}

/**
 * The kind of {@link SummaryState}, id `'summary'`: count, sum, min, max, first and last of the
 * values.
 *
 * - `add` is allocation- and division-free; adding values one by one gives exactly what `sum`,
 *   `min`, `max`, `first`, `last` and `count` give on the array of those values (the sum is the
 *   same left-to-right summation, so the same rounding).
 * - `merge(into, from)` takes `into` as the earlier values: `first` stays `into`'s (unless `into`
 *   is empty), `last` becomes `from`'s (unless `from` is empty). The merged sum is `into.sum +
 *   from.sum`, which for non-integers may differ from one left-to-right sum in the last bits.
 * - A sum may overflow to `±Infinity` (or become `NaN` when two opposite overflows merge); the
 *   state keeps it, and the JSON form writes it as the string `'Infinity'`, `'-Infinity'` or
 *   `'NaN'`.
 * - JSON: `{ v: 1, kind: 'summary', count, sum, min, max, first, last }`; in an empty state
 *   `count` and `sum` are 0 and the other four `null`. (JSON has no `-0`: a `min` of `-0` reads
 *   back as `0`.)
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_STATE` from `fromJSON` on a malformed form.
 * @example
 * ```ts
 * import { summaryState } from 'metrix-stream';
 * const s = summaryState.create();
 * for (const v of [3, 1, 2]) summaryState.add(s, v);
 * s.sum / s.count; // 2
 * ```
 * @see {@link welfordState}, {@link valuesState}
 * @category Aggregators
 */
export const summaryState: StateKind<SummaryState> = {
  id: 'summary',

  create(): SummaryState {
    return new SummaryState();
  },

  add(state: SummaryState, value: number): void {
    if (state.count++ === 0) state.first = value;
    state.sum += value;
    // Strict comparisons as in min()/max(): of 0 and -0, whichever came first stays.
    if (value < state.min) state.min = value;
    if (value > state.max) state.max = value;
    state.last = value;
  },

  merge(into: SummaryState, from: SummaryState): void {
    if (from.count === 0) return;
    if (into.count === 0) {
      into.count = from.count;
      into.sum = from.sum;
      into.min = from.min;
      into.max = from.max;
      into.first = from.first;
      into.last = from.last;
      return;
    }
    into.count += from.count;
    into.sum += from.sum;
    if (from.min < into.min) into.min = from.min;
    if (from.max > into.max) into.max = from.max;
    into.last = from.last;
  },

  toJSON(state: SummaryState): StateJSON {
    const empty = state.count === 0;
    return {
      v: 1,
      kind: 'summary',
      count: state.count,
      sum: StateReader.writeNumber(state.sum),
      min: empty ? null : state.min,
      max: empty ? null : state.max,
      first: empty ? null : state.first,
      last: empty ? null : state.last,
    };
  },

  fromJSON(json: unknown): SummaryState {
    const r = new StateReader(json, 'summary');
    const state = new SummaryState();
    state.count = r.count('count');
    state.sum = r.extended('sum');
    if (state.count === 0) {
      if (state.sum !== 0) throw r.fail('sum', '0 in an empty state');
      r.absent('min');
      r.absent('max');
      r.absent('first');
      r.absent('last');
      return state;
    }
    state.min = r.finite('min');
    state.max = r.finite('max');
    state.first = r.finite('first');
    state.last = r.finite('last');
    if (state.min > state.max) throw r.fail('min', `at most max (${state.max})`);
    if (state.first < state.min || state.first > state.max) throw r.fail('first', 'between min and max');
    if (state.last < state.min || state.last > state.max) throw r.fail('last', 'between min and max');
    return state;
  },
};
