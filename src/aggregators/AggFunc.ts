import type { Aggregator } from './Aggregator.js';
import { type ArrivalValuesState, arrivalValuesState } from './arrivalValuesState.js';

/**
 * An aggregation function: the values of one group (never empty) → one number. Its `name`
 * names the aggregated metric (`<stream>.<name>`) unless the aggregation is given under another
 * name. Any user function of this shape works; the built-ins are {@link sum}, {@link count},
 * {@link min}, {@link max}, {@link mean}, {@link median}, {@link stdev}, {@link variance},
 * {@link first}, {@link last} and {@link percentile}, which are also {@link IncrementalAggFunc}s.
 * @category Aggregators
 */
export type AggFunc = (values: readonly number[]) => number;

/**
 * An aggregation function that also carries its incremental, mergeable form: calling it on a
 * group's values and reading its {@link Aggregator} from a state fed the same values give the
 * same result (exactly, or to rounding for means and variances; within the sketch's bound for
 * sketched percentiles). Every built-in is one.
 *
 * @typeParam S - The state type its aggregator reads.
 * @example
 * ```ts
 * import { sum, type IncrementalAggFunc } from 'metrix-stream';
 * const f: IncrementalAggFunc = sum;
 * f.aggregator.state.id; // 'summary'
 * ```
 * @see {@link toAggregator}
 * @category Aggregators
 */
export interface IncrementalAggFunc<S = unknown> extends AggFunc {
  /** Its incremental form, named as the function is. */
  readonly aggregator: Aggregator<S>;
}

/**
 * The {@link Aggregator} that computes `fn` under the name `name`:
 *
 * - `fn.aggregator` itself when `fn` is an {@link IncrementalAggFunc} whose aggregator is named
 *   `name`;
 * - an aggregator with the same state kind and result under the new name when it was renamed
 *   (`agg: { bytes: sum }`);
 * - otherwise (a user function) an aggregator on {@link arrivalValuesState} whose `result` calls
 *   `fn` with the state's array: the values in arrival order, as `fn` would have had them.
 *
 * Errors thrown by `fn` pass through `result` unchanged.
 *
 * @param name - The aggregation's name (the `<agg>` of `<stream>.<agg>`).
 * @param fn - The aggregation function.
 * @example
 * ```ts
 * import { sum, toAggregator } from 'metrix-stream';
 * toAggregator('sum', sum) === sum.aggregator; // true
 * toAggregator('range', (v) => Math.max(...v) - Math.min(...v)).state.id; // 'arrival'
 * ```
 * @category Aggregators
 */
export function toAggregator(name: string, fn: AggFunc): Aggregator {
  const own = (fn as Partial<IncrementalAggFunc>).aggregator;
  if (own !== undefined) {
    if (own.name === name) return own;
    return Object.freeze({ name, state: own.state, result: own.result });
  }
  const aggregator: Aggregator<ArrivalValuesState> = {
    name,
    state: arrivalValuesState,
    result: (state) => fn(state),
  };
  return Object.freeze(aggregator) as Aggregator;
}
