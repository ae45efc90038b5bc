import type { StateJSON, StateKind } from './Aggregator.js';
import { StateReader } from './StateReader.js';

/** Capacity of a values state's first buffer; it grows from there (see {@link grow}). */
const INITIAL_CAPACITY = 8;

/**
 * The state behind `median` and the exact percentiles: every value, 8 bytes each, in a
 * Float64Array that starts small and doubles. Its order is arrival order until
 * {@link sortedValues} sorts it in place.
 * @category Aggregators
 */
export class ValuesState {
  /** The buffer; only the first `length` entries are values. */
  values: Float64Array = new Float64Array(INITIAL_CAPACITY);
  /** Number of values. */
  length = 0;
  /** Whether `values[0, length)` is sorted ascending (set by {@link sortedValues}, cleared by adds). */
  sorted = false;
}

/**
 * The kind of {@link ValuesState}, id `'values'`: all the values, for aggregations that need them
 * all (the median, exact quantiles). Memory is 8 bytes per value (up to twice that for a small
 * group, 25 % more for a large one); for bounded memory use a sketch (`percentile(p, { sketch: true })`).
 *
 * - `add` appends; it allocates only when the buffer is full (then doubles it).
 * - `merge(into, from)` appends `from`'s values to `into`'s.
 * - JSON: `{ v: 1, kind: 'values', values: number[] }` (in the buffer's current order).
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_STATE` from `fromJSON` on a malformed form.
 * @example
 * ```ts
 * import { sortedValues, valuesState } from 'metrix-stream';
 * const s = valuesState.create();
 * for (const v of [3, 1, 2]) valuesState.add(s, v);
 * sortedValues(s); // Float64Array [1, 2, 3]
 * ```
 * @see {@link sortedValues}, {@link arrivalValuesState}
 * @category Aggregators
 */
export const valuesState: StateKind<ValuesState> = {
  id: 'values',

  create(): ValuesState {
    return new ValuesState();
  },

  add(state: ValuesState, value: number): void {
    if (state.length === state.values.length) grow(state, state.length + 1);
    state.values[state.length++] = value;
    state.sorted = false;
  },

  merge(into: ValuesState, from: ValuesState): void {
    if (from.length === 0) return;
    const length = into.length + from.length;
    if (length > into.values.length) grow(into, length);
    into.values.set(from.values.subarray(0, from.length), into.length);
    into.length = length;
    into.sorted = false;
  },

  toJSON(state: ValuesState): StateJSON {
    return { v: 1, kind: 'values', values: Array.from(state.values.subarray(0, state.length)) };
  },

  fromJSON(json: unknown): ValuesState {
    const values = new StateReader(json, 'values').finiteArray('values');
    const state = new ValuesState();
    if (values.length > state.values.length) grow(state, values.length);
    state.values.set(values);
    state.length = values.length;
    return state;
  },
};

/**
 * The values of `state`, sorted ascending, as a view of its own buffer: the first call after an
 * add sorts the buffer IN PLACE (so arrival order is lost) and marks it sorted; later calls
 * return at once. So all the exact quantiles and the median of one group share one sort.
 *
 * The view is valid until the next `add` or `merge` into `state`; do not write to it.
 *
 * @example
 * ```ts
 * import { sortedValues, valuesState } from 'metrix-stream';
 * const s = valuesState.create();
 * for (const v of [5, -1, 3]) valuesState.add(s, v);
 * const sorted = sortedValues(s); // Float64Array [-1, 3, 5]
 * sorted[sorted.length >> 1]; // 3
 * ```
 * @see {@link valuesState}
 * @category Aggregators
 */
export function sortedValues(state: ValuesState): Float64Array {
  const used = state.values.subarray(0, state.length);
  if (!state.sorted) {
    // Float64Array#sort compares numerically (and puts -0 before 0), as the old
    // Float64Array.from(values).sort() in median() and percentile() did.
    used.sort();
    state.sorted = true;
  }
  return used;
}

/**
 * Buffers up to this many entries (512 KiB) double; larger ones grow by a quarter, so a large
 * group holds at most 25 % more than its values (the memory target is 8 B a value + a constant),
 * for a few more copies, still O(1) amortized per value.
 */
const DOUBLE_UP_TO = 65_536;

/** Replaces `state`'s buffer by one of at least `needed` entries, keeping its values. */
function grow(state: ValuesState, needed: number): void {
  const old = state.values.length;
  let capacity = old === 0 ? INITIAL_CAPACITY : old < DOUBLE_UP_TO ? old * 2 : Math.ceil(old * 1.25);
  while (capacity < needed) capacity = capacity < DOUBLE_UP_TO ? capacity * 2 : Math.ceil(capacity * 1.25);
  const values = new Float64Array(capacity);
  values.set(state.values.subarray(0, state.length));
  state.values = values;
}
