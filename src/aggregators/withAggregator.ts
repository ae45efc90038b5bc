import type { AggFunc, IncrementalAggFunc } from './AggFunc.js';
import type { Aggregator, StateKind } from './Aggregator.js';

/**
 * Gives `fn` its incremental form: a read-only, non-enumerable `aggregator` named `fn.name`, on
 * state kind `state`, reading its result with `result`. Returns `fn` itself. How the built-ins
 * are made; not part of the public API.
 *
 * @example
 * ```ts
 * const count = withAggregator(
 *   function count(values: readonly number[]) {
 *     return values.length;
 *   },
 *   summaryState,
 *   (state) => state.count,
 * );
 * ```
 */
export function withAggregator<S>(
  fn: AggFunc,
  state: StateKind<S>,
  result: (state: S) => number,
): IncrementalAggFunc<S> {
  const aggregator: Aggregator<S> = Object.freeze({ name: fn.name, state, result });
  Object.defineProperty(fn, 'aggregator', { value: aggregator, enumerable: false, writable: false });
  return fn as IncrementalAggFunc<S>;
}
