/**
 * The logarithmic mapping of a DDSketch: positive values ↔ integer bin keys, such that every value
 * of a bin is within relative accuracy `α` of the bin's representative value. With
 * `γ = (1 + α) / (1 − α)`, bin `k` holds the values in `(γ^(k−1), γ^k]` and its representative is
 * `γ^(k−1) · (1 + α)`, which is at most `α` (relative) from anything in the bin. Not part of the
 * public API: a sketch state carries its mapping.
 *
 * @example
 * ```ts
 * const m = new LogarithmicMapping(0.01);
 * m.value(m.key(123.4)); // within 1 % of 123.4
 * ```
 */
export class LogarithmicMapping {
  /** `α`: the largest relative error of {@link LogarithmicMapping.value} for a value of the bin. */
  readonly relativeAccuracy: number;
  /** `ln γ`, computed as `log1p(2α / (1 − α))` so that it stays precise for small `α`. */
  readonly lnGamma: number;
  /** `1 / ln γ`, so that {@link LogarithmicMapping.key} multiplies instead of dividing. */
  readonly multiplier: number;

  /** @param relativeAccuracy - `α`, with `0 < α < 1` (checked by `ddsketchState`). */
  constructor(relativeAccuracy: number) {
    this.relativeAccuracy = relativeAccuracy;
    this.lnGamma = Math.log1p((2 * relativeAccuracy) / (1 - relativeAccuracy));
    this.multiplier = 1 / this.lnGamma;
  }

  /** The key of the bin holding the finite `value > 0`: `ceil(log_γ(value))`. */
  key(value: number): number {
    return Math.ceil(Math.log(value) * this.multiplier);
  }

  /**
   * The representative value of bin `key`. Computed as `exp((key − 1)·ln γ)·(1 + α)` so that it
   * stays finite for every key of a finite value but the very last (callers clamp to the exact
   * maximum anyway). For magnitudes below 2^−1022 (subnormal doubles) the precision of the double
   * itself, not `α`, bounds the error.
   */
  value(key: number): number {
    return Math.exp((key - 1) * this.lnGamma) * (1 + this.relativeAccuracy);
  }
}
