import type { StateJSON, StateKind } from './Aggregator.js';
import { StateReader } from './StateReader.js';

/** Capacity of a values state's first buffer; it doubles up to {@link CHUNK}. */
const INITIAL_CAPACITY = 8;
/**
 * Values a buffer holds at most before the next ones go to a new buffer (64 KiB). A large group
 * so keeps a list of full chunks, never copied as it grows: no over-allocation beyond one chunk,
 * and no old buffers left for the collector (the memory target is 8 B a value + a constant).
 */
const CHUNK = 8192;

/**
 * The state behind `median` and the exact percentiles: every value, 8 bytes each, in
 * Float64Arrays — one that starts small and doubles, then chunks of {@link CHUNK} values. Its
 * order is arrival order until {@link sortedValues} joins and sorts it in place.
 */
export class ValuesState {
  /** Full earlier chunks, in arrival order (none until the state holds more than one chunk). */
  chunks: Float64Array[] = [];
  /** The buffer being filled: its first `length - chunked` entries are the latest values. */
  values: Float64Array = new Float64Array(INITIAL_CAPACITY);
  /** Values held in `chunks`. */
  chunked = 0;
  /** Number of values. */
  length = 0;
  /** Whether the values are sorted ascending (set by {@link sortedValues}, cleared by adds). */
  sorted = false;
}

/**
 * The kind of {@link ValuesState}, id `'values'`: all the values, for aggregations that need them
 * all (the median, exact quantiles). Memory is 8 bytes per value (up to twice that for a group
 * of fewer than 8192 values, at most one 64 KiB chunk more for a larger one); for bounded memory
 * use a sketch (`percentile(p, { sketch: true })`).
 *
 * - `add` appends; it allocates only when its buffer is full (a small one doubles, a large group
 *   starts a new chunk: values are never copied as a group grows large).
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
    const used = state.length - state.chunked;
    if (used === state.values.length) grow(state);
    state.values[state.length - state.chunked] = value;
    state.length++;
    state.sorted = false;
  },

  merge(into: ValuesState, from: ValuesState): void {
    for (const part of parts(from)) append(into, part);
  },

  toJSON(state: ValuesState): StateJSON {
    return { v: 1, kind: 'values', values: Array.from(joined(state)) };
  },

  fromJSON(json: unknown): ValuesState {
    const values = new StateReader(json, 'values').finiteArray('values');
    const state = new ValuesState();
    append(state, Float64Array.from(values));
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
  if (state.chunks.length > 0) {
    // Join the chunks once: the sort needs one array (a transient copy of this group only).
    state.values = joined(state);
    state.chunks = [];
    state.chunked = 0;
  }
  const used = state.values.subarray(0, state.length);
  if (!state.sorted) {
    // Float64Array#sort compares numerically (and puts -0 before 0), as the old
    // Float64Array.from(values).sort() in median() and percentile() did.
    used.sort();
    state.sorted = true;
  }
  return used;
}

/** The used parts of `state`'s buffers, in arrival order (views, not copies). */
function parts(state: ValuesState): Float64Array[] {
  return [...state.chunks, state.values.subarray(0, state.length - state.chunked)];
}

/** All the values of `state` in one new array, in the buffers' order. */
function joined(state: ValuesState): Float64Array {
  const all = new Float64Array(state.length);
  let offset = 0;
  for (const part of parts(state)) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** Appends `values` to `state` (copying them), filling and adding buffers as needed. */
function append(state: ValuesState, values: Float64Array): void {
  let from = 0;
  while (from < values.length) {
    let used = state.length - state.chunked;
    if (used === state.values.length) {
      grow(state);
      used = state.length - state.chunked;
    }
    const n = Math.min(state.values.length - used, values.length - from);
    state.values.set(values.subarray(from, from + n), used);
    state.length += n;
    from += n;
  }
  if (values.length > 0) state.sorted = false;
}

/**
 * Makes room for one more value: a buffer under {@link CHUNK} values doubles (copying its few
 * values); a full larger one is kept as a chunk and a new chunk is started.
 */
function grow(state: ValuesState): void {
  const capacity = state.values.length;
  if (capacity < CHUNK) {
    const values = new Float64Array(Math.min(capacity * 2 || INITIAL_CAPACITY, CHUNK));
    values.set(state.values.subarray(0, state.length - state.chunked));
    state.values = values;
    return;
  }
  state.chunks.push(state.values);
  state.chunked += capacity;
  state.values = new Float64Array(CHUNK);
}
