import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { AggFunc } from './AggFunc.js';

/**
 * Makes the aggregation function of the `p`th percentile, named `p<p>` (`percentile(99).name`
 * is `'p99'`, `percentile(99.9).name` is `'p99.9'`).
 *
 * It is the nearest-rank percentile exactly as the StatsD daemon computes its `upper_<p>`: the
 * values sorted ascending, then the one at rank `max(1, round(p / 100 × n))`. So a timer
 * aggregated with `percentile(90)` gives what StatsD reports as `upper_90`.
 *
 * `percentile(50)` of `[1, 2, 3, 4]` → `2`; `percentile(100)` is the maximum.
 *
 * @param p - The percentile, a number with `0 < p ≤ 100`.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `p` is not in `(0, 100]`.
 * @example
 * ```ts
 * import { MStream, mean, percentile } from 'metrix-stream';
 * const latency = new MStream('latency', { agg: [mean, percentile(99)], windowSize: 10 });
 * // emits latency.mean and latency.p99 every 10 seconds
 * ```
 */
export function percentile(p: number): AggFunc {
  if (typeof p !== 'number' || !(p > 0 && p <= 100)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `percentile(p): p must be a number with 0 < p <= 100, got ${String(p)}`,
      {
        input: p,
      },
    );
  }
  const fn: AggFunc = (values) => {
    const sorted = Float64Array.from(values).sort();
    const rank = Math.max(1, Math.round((p / 100) * sorted.length));
    return sorted[rank - 1] as number;
  };
  Object.defineProperty(fn, 'name', { value: `p${p}` });
  return fn;
}
