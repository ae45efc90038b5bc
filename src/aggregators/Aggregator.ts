/**
 * The incremental, mergeable form of an aggregation, in the manner of OpenTelemetry's
 * aggregators: a window keeps one small state per (group, state kind) instead of the group's
 * elements, adds each value to it as it arrives, and reads the result when the window closes.
 * States of the same kind merge, so partial results (of two batchings, two processes) combine
 * into the result of the whole.
 *
 * Several aggregators may read one state: `sum`, `count`, `min`, `max`, `mean`, `first` and
 * `last` all read the same {@link StateKind} (a count, a sum, a min, a max, …), so a window that
 * computes `[sum, max, mean]` updates one state per value, not three.
 * @module
 */

/**
 * The plain-JSON form of a state, as {@link StateKind.toJSON} writes it: versioned (`v`), tagged
 * with the kind's `id`, the rest of its fields the kind's own. It survives `JSON.stringify` and
 * `JSON.parse` unchanged and is what the distribution tier ships between processes.
 * @category Aggregators
 */
export interface StateJSON {
  /** Version of the form; 1 for everything this version writes. */
  readonly v: 1;
  /** The {@link StateKind.id} of the kind that wrote it. */
  readonly kind: string;
  readonly [field: string]: unknown;
}

/**
 * A kind of mergeable state: how to make one, add a value to it, merge another into it, and
 * write it as JSON and back.
 *
 * Contract (what the tests check for every kind): adding the values of `a` then `b` to one state
 * gives the same results as merging the state of `b` into the state of `a` (exactly for counts,
 * extremes, firsts and lasts and for sums of integers; within floating-point rounding for sums,
 * means and variances; within the stated bound for sketches); `fromJSON(toJSON(s))` is a state
 * with the same results as `s`.
 *
 * @typeParam S - The state's own type.
 * @category Aggregators
 */
export interface StateKind<S = unknown> {
  /**
   * Identifies the kind, and so which states may be merged: equal ids, mergeable states
   * (`'summary'`, `'values'`, `'ddsketch:0.01'`). Also the `kind` of its JSON form.
   */
  readonly id: string;
  /** A new, empty state. */
  create(): S;
  /** Adds one finite value to `state`. Hot path: no allocation in the common case. */
  add(state: S, value: number): void;
  /**
   * Merges `from` into `into` (which changes; `from` does not). Order-aware: `into` holds the
   * values that came first, so `first` and `last` stay right.
   */
  merge(into: S, from: S): void;
  /** The plain-JSON form of `state`. */
  toJSON(state: S): StateJSON;
  /**
   * A state from its JSON form.
   * @throws {@link MetrixError} `ERR_METRIX_INVALID_STATE` when `json` is not a well-formed
   * state of this kind and version.
   */
  fromJSON(json: unknown): S;
}

/**
 * An aggregation in its incremental form: a name, the kind of state it reads, and how it reads
 * its result.
 *
 * @typeParam S - The state type of its {@link StateKind}.
 * @category Aggregators
 */
export interface Aggregator<S = unknown> {
  /** The aggregation's name: the `<agg>` of the `<stream>.<agg>` elements it makes. */
  readonly name: string;
  /** The kind of state it reads; aggregators with the same kind share one state per group. */
  readonly state: StateKind<S>;
  /**
   * The result for a non-empty state. May return a non-finite number (an overflowing sum); the
   * stream then drops that one result and reports it. Must not change the state, except that a
   * values state may be sorted in place (see `sortedValues`).
   */
  result(state: S): number;
}
