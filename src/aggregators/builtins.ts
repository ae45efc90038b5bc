/**
 * The built-in aggregation functions. Each takes the values of one non-empty group and returns
 * one number; each function's `name` is its export name, which names the aggregated metric.
 * @module
 */

/**
 * Sum of the values. `[1, 2, 3]` → `6`
 * @example
 * ```ts
 * import { MStream, sum } from 'metrix-stream';
 * new MStream('bytes', { agg: sum, batchSize: 100 });
 * ```
 */
export function sum(values: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return s;
}

/** Number of values. `[5, 5, 7]` → `3` */
export function count(values: readonly number[]): number {
  return values.length;
}

/** Smallest value. `[3, 1, 2]` → `1` */
export function min(values: readonly number[]): number {
  let m = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) if ((values[i] as number) < m) m = values[i] as number;
  return m;
}

/** Largest value. `[3, 1, 2]` → `3` */
export function max(values: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) if ((values[i] as number) > m) m = values[i] as number;
  return m;
}

/** Arithmetic mean. `[1, 2, 6]` → `3` */
export function mean(values: readonly number[]): number {
  return sum(values) / values.length;
}

/** Median: the middle value, or the mean of the two middle values. `[1, 9, 2, 8]` → `5` */
export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Sample variance (divides by n − 1); `0` for a single value instead of failing, so one lone
 * element cannot break a stream. `[1, 2, 3, 4]` → `1.666…`
 */
export function variance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  // Two passes around the mean: the one-pass sum-of-squares formula loses precision badly when
  // the values are large and close together (latencies in ns, timestamps).
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - m;
    ss += d * d;
  }
  return ss / (n - 1);
}

/** Sample standard deviation (n − 1); `0` for a single value. `[2, 4, 4, 4, 5, 5, 7, 9]` → `2.138…` */
export function stdev(values: readonly number[]): number {
  return Math.sqrt(variance(values));
}

/** First value in arrival order. `[4, 5, 6]` → `4` */
export function first(values: readonly number[]): number {
  return values[0] as number;
}

/** Last value in arrival order (a gauge's current value). `[4, 5, 6]` → `6` */
export function last(values: readonly number[]): number {
  return values[values.length - 1] as number;
}
