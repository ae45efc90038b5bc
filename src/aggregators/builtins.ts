/**
 * The built-in aggregation functions. Each takes the values of one non-empty group and returns
 * one number; each function's `name` is its export name, which names the aggregated metric.
 *
 * Each also carries its incremental form as a read-only `aggregator` (see
 * {@link IncrementalAggFunc}): `sum`, `count`, `min`, `max`, `mean`, `first` and `last` read one
 * shared {@link summaryState}, `variance` and `stdev` a {@link welfordState}, `median` a
 * {@link valuesState}, so a window computing several of them keeps one small state per group.
 * @module
 */
import type { IncrementalAggFunc } from './AggFunc.js';
import { type SummaryState, summaryState } from './summaryState.js';
import { type ValuesState, valueAtRank, valuesState } from './valuesState.js';
import { type WelfordState, welfordState } from './welfordState.js';
import { withAggregator } from './withAggregator.js';

/**
 * Sum of the values. `[1, 2, 3]` → `6`. May overflow to `±Infinity` (the stream then drops that
 * result and reports it).
 * @example
 * ```ts
 * import { MStream, sum } from 'metrix-stream';
 * new MStream('bytes', { agg: sum, batchSize: 100 });
 * ```
 * @category Aggregators
 */
export const sum: IncrementalAggFunc<SummaryState> = withAggregator(
  function sum(values) {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[i] as number;
    return s;
  },
  summaryState,
  (state) => state.sum,
);

/**
 * Number of values. `[5, 5, 7]` → `3`
 * @category Aggregators
 */
export const count: IncrementalAggFunc<SummaryState> = withAggregator(
  function count(values) {
    return values.length;
  },
  summaryState,
  (state) => state.count,
);

/**
 * Smallest value. `[3, 1, 2]` → `1`
 * @category Aggregators
 */
export const min: IncrementalAggFunc<SummaryState> = withAggregator(
  function min(values) {
    let m = Number.POSITIVE_INFINITY;
    for (let i = 0; i < values.length; i++) if ((values[i] as number) < m) m = values[i] as number;
    return m;
  },
  summaryState,
  (state) => state.min,
);

/**
 * Largest value. `[3, 1, 2]` → `3`
 * @category Aggregators
 */
export const max: IncrementalAggFunc<SummaryState> = withAggregator(
  function max(values) {
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < values.length; i++) if ((values[i] as number) > m) m = values[i] as number;
    return m;
  },
  summaryState,
  (state) => state.max,
);

/**
 * Arithmetic mean (the sum divided by the count). `[1, 2, 6]` → `3`
 * @category Aggregators
 */
export const mean: IncrementalAggFunc<SummaryState> = withAggregator(
  function mean(values) {
    return sum(values) / values.length;
  },
  summaryState,
  (state) => state.sum / state.count,
);

/**
 * Median: the middle value, or the mean of the two middle values. `[1, 9, 2, 8]` → `5`
 * @category Aggregators
 */
export const median: IncrementalAggFunc<ValuesState> = withAggregator(
  function median(values) {
    return middle(Float64Array.from(values).sort());
  },
  valuesState,
  (state) => {
    const n = state.length;
    const upper = valueAtRank(state, (n >> 1) + 1);
    return n % 2 === 1 ? upper : midpoint(valueAtRank(state, n >> 1), upper);
  },
);

/** The median of sorted values. */
function middle(sorted: Float64Array): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : midpoint(sorted[mid - 1] as number, sorted[mid] as number);
}

/**
 * `(a + b) / 2`, exactly as before for every sum that is finite; when `a + b` overflows (two
 * values near ±1.8e308) it halves first, so the median of `[1e308, 1e308]` is 1e308, not a
 * dropped Infinity.
 */
function midpoint(a: number, b: number): number {
  const m = (a + b) / 2;
  return Number.isFinite(m) ? m : a / 2 + b / 2;
}

/**
 * Sample variance (divides by n − 1); `0` for a single value instead of failing, so one lone
 * element cannot break a stream. `[1, 2, 3, 4]` → `1.666…`
 * @category Aggregators
 */
export const variance: IncrementalAggFunc<WelfordState> = withAggregator(
  function variance(values) {
    const n = values.length;
    if (n < 2) return 0;
    // Two passes around the mean: the one-pass sum-of-squares formula loses precision badly when
    // the values are large and close together (latencies in ns, timestamps). The aggregator uses
    // Welford's update for the same reason.
    const m = mean(values);
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = (values[i] as number) - m;
      ss += d * d;
    }
    return ss / (n - 1);
  },
  welfordState,
  sampleVariance,
);

/** Sample variance of a Welford state; 0 below two values. */
function sampleVariance(state: WelfordState): number {
  return state.n < 2 ? 0 : state.m2 / (state.n - 1);
}

/**
 * Sample standard deviation (n − 1); `0` for a single value. `[2, 4, 4, 4, 5, 5, 7, 9]` → `2.138…`
 * @category Aggregators
 */
export const stdev: IncrementalAggFunc<WelfordState> = withAggregator(
  function stdev(values) {
    return Math.sqrt(variance(values));
  },
  welfordState,
  (state) => Math.sqrt(sampleVariance(state)),
);

/**
 * First value in arrival order. `[4, 5, 6]` → `4`
 * @category Aggregators
 */
export const first: IncrementalAggFunc<SummaryState> = withAggregator(
  function first(values) {
    return values[0] as number;
  },
  summaryState,
  (state) => state.first,
);

/**
 * Last value in arrival order (a gauge's current value). `[4, 5, 6]` → `6`
 * @category Aggregators
 */
export const last: IncrementalAggFunc<SummaryState> = withAggregator(
  function last(values) {
    return values[values.length - 1] as number;
  },
  summaryState,
  (state) => state.last,
);
