import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { IncrementalAggFunc } from './AggFunc.js';
import { checkAccuracy, type DDSketch, ddsketchState, sketchQuantile } from './ddsketchState.js';
import { nearestRank } from './nearestRank.js';
import { type ValuesState, valueAtRank, valuesState } from './valuesState.js';
import { withAggregator } from './withAggregator.js';

/**
 * Options of {@link percentile}.
 * @category Aggregators
 */
export interface PercentileOptions {
  /**
   * Estimate with a DDSketch instead of keeping every value: `true` for relative accuracy 0.01
   * (1 %), or `{ relativeAccuracy: α }` with `0 < α < 1`. The state is then bounded (about 2048
   * bins per sign) whatever the number of values, and the result is within `α` (relative) of the
   * exact nearest-rank value (see `ddsketchState` for the limits). Default: exact.
   */
  sketch?: boolean | { relativeAccuracy?: number };
}

/**
 * Makes the aggregation function of the `p`th percentile, named `p<p>` (`percentile(99).name`
 * is `'p99'`, `percentile(99.9).name` is `'p99.9'`), exact or sketched.
 *
 * It is the nearest-rank percentile exactly as the StatsD daemon computes its `upper_<p>`: the
 * values sorted ascending, then the one at rank `max(1, round(p / 100 × n))`. So a timer
 * aggregated with `percentile(90)` gives what StatsD reports as `upper_90`.
 *
 * `percentile(50)` of `[1, 2, 3, 4]` → `2`; `percentile(100)` is the maximum.
 *
 * Exact (the default), its incremental form keeps every value ({@link valuesState}) and all the
 * exact percentiles and the median of one group share one in-place sort ({@link valueAtRank}).
 * With `sketch`, both the function and its incremental form use a DDSketch
 * ({@link ddsketchState}): the value at the same rank within relative error `α`; the minimum and
 * maximum (rank 1 and rank n, so `p100`) stay exact.
 *
 * @param p - The percentile, a number with `0 < p ≤ 100`.
 * @param options - See {@link PercentileOptions}.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `p` is not in `(0, 100]`, or
 *   `options` / `options.sketch` / `options.sketch.relativeAccuracy` is malformed (the message
 *   names which).
 * @example
 * ```ts
 * import { MStream, mean, percentile } from 'metrix-stream';
 * const latency = new MStream('latency', { agg: [mean, percentile(99)], windowSize: 10 });
 * // emits latency.mean and latency.p99 every 10 seconds
 * ```
 * @example Bounded memory per group, within 1 %:
 * ```ts
 * import { MStream, percentile } from 'metrix-stream';
 * new MStream('latency', { agg: percentile(99, { sketch: true }), windowSize: 10 });
 * ```
 * @category Aggregators
 */
export function percentile(p: number, options?: PercentileOptions): IncrementalAggFunc {
  if (typeof p !== 'number' || !(p > 0 && p <= 100)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `percentile(p): p must be a number with 0 < p <= 100, got ${String(p)}`,
      {
        input: p,
      },
    );
  }
  const alpha = sketchAccuracy(options);
  const name = `p${p}`;
  if (alpha === undefined) {
    return withAggregator(
      named(name, (values) => {
        const sorted = Float64Array.from(values).sort();
        return sorted[nearestRank(p, sorted.length) - 1] as number;
      }),
      valuesState,
      (state: ValuesState) => valueAtRank(state, nearestRank(p, state.length)),
    );
  }
  const kind = ddsketchState(alpha);
  const fromSketch = (state: DDSketch) => sketchQuantile(state, nearestRank(p, state.count));
  return withAggregator(
    named(name, (values) => {
      const state = kind.create();
      for (let i = 0; i < values.length; i++) kind.add(state, values[i] as number);
      return fromSketch(state);
    }),
    kind,
    fromSketch,
  );
}

/** `fn`, renamed. */
function named<F extends Function>(name: string, fn: F): F {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

/**
 * The sketch's relative accuracy the options ask for, or `undefined` for exact.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT`, naming the malformed option.
 */
function sketchAccuracy(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw invalid(`percentile(p, options): options must be an object, got ${String(options)}`, options);
  }
  const sketch = (options as PercentileOptions).sketch;
  if (sketch === undefined || sketch === false) return undefined;
  if (sketch === true) return 0.01;
  if (typeof sketch !== 'object' || sketch === null) {
    throw invalid(
      `percentile(p, options): options.sketch must be a boolean or { relativeAccuracy }, got ${String(sketch)}`,
      sketch,
    );
  }
  const alpha = sketch.relativeAccuracy ?? 0.01;
  checkAccuracy(alpha, 'percentile(p, options): options.sketch.relativeAccuracy');
  return alpha;
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_ARGUMENT, message, { input });
}
