import type { AggFunc } from '../aggregators/AggFunc.js';
import { count, last, max, mean, median, min, sum } from '../aggregators/builtins.js';
import { percentile } from '../aggregators/percentile.js';
import { describe } from '../internal/describe.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { StatsDType } from './parseStatsD.js';

/**
 * Options of {@link statsdAggregations}.
 * @category Parsers
 */
export interface StatsDAggregationsOptions {
  /** The window in seconds; when given, counters also get `rate` (sum ÷ seconds), as the daemon. */
  windowSize?: number;
  /** Percentiles of timers, each reported as `upper_<p>` (`.` → `_`); default `[90]`, the daemon's. */
  percentiles?: readonly number[];
}

/**
 * The aggregations that reproduce, over one window, what the StatsD daemon reports for one flush
 * of a metric of the given type, named as the daemon names them — an `agg` map for
 * {@link MStream}:
 *
 * - `c`: `{ count: sum, rate }` (`rate` = sum ÷ `windowSize`, only when `windowSize` is given);
 * - `ms`, `h`, `d`: `{ mean, upper: max, lower: min, upper_<p>: percentile(p)…, median, sum, count }`;
 * - `g`: `{ last }` (the gauge);
 * - `s`: `{ count: countDistinct }`, the number of distinct members (each member arrives as the
 *   number {@link parseStatsD} made of it, so distinct numbers are distinct members).
 *
 * @example
 * ```ts
 * import { MStream, statsdAggregations } from 'metrix-stream';
 * const latency = new MStream('latency', { agg: statsdAggregations('ms', { percentiles: [90, 99] }), windowSize: 10 });
 * // emits latency.mean, latency.upper, latency.lower, latency.upper_90, latency.upper_99, latency.median, latency.sum, latency.count
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for an unknown type, a `windowSize`
 * that is not a positive number, or a percentile outside `(0, 100]`.
 * @see {@link parseStatsD}, which says how each type maps to elements.
 * @category Parsers
 */
export function statsdAggregations(type: StatsDType, options: StatsDAggregationsOptions = {}): Record<string, AggFunc> {
  const { windowSize, percentiles = [90] } = options;
  if (windowSize !== undefined && !(typeof windowSize === 'number' && Number.isFinite(windowSize) && windowSize > 0)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `statsdAggregations: windowSize must be a positive number of seconds, got ${describe(windowSize)}`,
      { input: windowSize },
    );
  }
  switch (type) {
    case 'c': {
      if (windowSize === undefined) return { count: sum };
      const rate: AggFunc = (values) => sum(values) / windowSize;
      return { count: sum, rate };
    }
    case 'ms':
    case 'h':
    case 'd': {
      const aggs: Record<string, AggFunc> = { mean, upper: max, lower: min };
      for (const p of percentiles) aggs[`upper_${String(p).replace('.', '_')}`] = percentile(p);
      return Object.assign(aggs, { median, sum, count });
    }
    case 'g':
      return { last };
    case 's':
      return { count: countDistinct };
    default:
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `statsdAggregations: type must be c, ms, h, d, g or s, got ${describe(type)}`,
        { input: type },
      );
  }
}

/**
 * The number of distinct values of a group: a StatsD set's `count` (distinct members per flush).
 * Memory: one entry per distinct value while the window's result is computed.
 */
const countDistinct: AggFunc = function countDistinct(values) {
  return new Set(values).size;
};
