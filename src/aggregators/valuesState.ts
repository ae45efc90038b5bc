import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { StateJSON, StateKind } from './Aggregator.js';
import { StateReader } from './StateReader.js';

/** Capacity of a values state's first buffer; it doubles up to `CHUNK`. */
const INITIAL_CAPACITY = 8;
/**
 * Values a buffer holds at most before the next ones go to a new buffer (64 KiB). A large group
 * so keeps a list of full chunks, never copied as it grows: no over-allocation beyond one chunk,
 * and no old buffers left for the collector (the memory target is 8 B a value + a constant).
 */
const CHUNK = 8192;

/**
 * The state behind `median` and the exact percentiles: every value, 8 bytes each, in
 * Float64Arrays — one that starts small and doubles, then chunks of `CHUNK` values. Its
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

/**
 * The value of 1-based `rank` among `state`'s values in ascending order (`1` the smallest, the
 * length the largest), as `sortedValues(state)[rank - 1]` — without joining a large group's
 * chunks into one array: each chunk is sorted in place once (shared by every rank read until the
 * next add) and the rank is selected across them, so reading quantiles needs no second copy of
 * the values.
 *
 * @example
 * ```ts
 * import { valueAtRank, valuesState } from 'metrix-stream';
 * const s = valuesState.create();
 * for (const v of [5, -1, 3]) valuesState.add(s, v);
 * valueAtRank(s, 2); // 3
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` unless `rank` is an integer from 1
 * to the number of values.
 * @category Aggregators
 */
export function valueAtRank(state: ValuesState, rank: number): number {
  if (!Number.isInteger(rank) || rank < 1 || rank > state.length) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `valueAtRank(state, rank): rank must be an integer from 1 to ${state.length}, got ${String(rank)}`,
      { input: rank },
    );
  }
  if (state.chunks.length === 0) return sortedValues(state)[rank - 1] as number;
  const runs = parts(state);
  if (!state.sorted) {
    for (const run of runs) run.sort();
    state.sorted = true;
  }
  return selectRank(runs, rank);
}

/**
 * The `k`th smallest (1-based) of the values of several ascending runs. Each round takes the
 * middle of the widest remaining range as pivot and counts, by binary search in every run, the
 * values below it and up to it: the pivot is the answer, or every run's range is cut to one
 * side, the widest at least in half — O(runs × log² n).
 */
function selectRank(runs: readonly Float64Array[], k: number): number {
  const lo = runs.map(() => 0);
  const hi = runs.map((run) => run.length);
  for (;;) {
    let widest = 0;
    for (let i = 1; i < runs.length; i++) {
      if ((hi[i] as number) - (lo[i] as number) > (hi[widest] as number) - (lo[widest] as number)) widest = i;
    }
    const pivot = (runs[widest] as Float64Array)[((lo[widest] as number) + (hi[widest] as number)) >> 1] as number;
    let below = 0;
    let upTo = 0;
    const firstAt: number[] = [];
    const pastAt: number[] = [];
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Float64Array;
      const a = bound(run, pivot, lo[i] as number, hi[i] as number, false);
      const b = bound(run, pivot, a, hi[i] as number, true);
      firstAt.push(a);
      pastAt.push(b);
      below += a - (lo[i] as number);
      upTo += b - (lo[i] as number);
    }
    if (k <= below) for (let i = 0; i < runs.length; i++) hi[i] = firstAt[i] as number;
    else if (k <= upTo) return pivot;
    else {
      k -= upTo;
      for (let i = 0; i < runs.length; i++) lo[i] = pastAt[i] as number;
    }
  }
}

/** The first index in `run[from, to)` whose value is ≥ `x` (or > `x` with `past`). */
function bound(run: Float64Array, x: number, from: number, to: number, past: boolean): number {
  let a = from;
  let b = to;
  while (a < b) {
    const m = (a + b) >> 1;
    const v = run[m] as number;
    if (v < x || (past && v === x)) a = m + 1;
    else b = m;
  }
  return a;
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
 * Makes room for one more value: a buffer under `CHUNK` values doubles (copying its few
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
