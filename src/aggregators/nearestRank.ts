/**
 * The 1-based rank of the `p`th percentile of `n` values by the nearest-rank method, as the StatsD
 * daemon computes its `upper_<p>`: `max(1, round(p / 100 × n))`. Shared by the exact and the
 * sketched percentile so both pick the same rank.
 *
 * @param p - The percentile, `0 < p ≤ 100` (not checked here: `percentile()` checks it).
 * @param n - The number of values, at least 1.
 * @example
 * ```ts
 * nearestRank(90, 10); // 9
 * nearestRank(1, 2); // 1 (never below 1)
 * ```
 */
export function nearestRank(p: number, n: number): number {
  return Math.max(1, Math.round((p / 100) * n));
}
