/** Most bins a store keeps; beyond it the lowest bins are folded into one (see {@link SketchStore}). */
export const SKETCH_BIN_LIMIT = 2048;

/** A store's buffer grows by this many bins at a time, and keeps up to this much slack. */
const CHUNK = 64;

/** The buffer of every empty store: nothing is allocated until the first value. */
const EMPTY = new Float64Array(0);

/**
 * The bins of one sign of a DDSketch: a count per integer key, in a dense buffer covering the keys
 * from `minKey` to `maxKey`. At most {@link SKETCH_BIN_LIMIT} keys are kept: when a new key would
 * widen the range past it, the lowest keys are folded into the lowest kept one (the collapsing
 * lowest dense store of DDSketch), so memory stays bounded, `O(limit)`, whatever the number and
 * range of values, and the high quantiles keep their accuracy. The buffer grows by chunks and
 * keeps at most one chunk of slack. Not part of the public API.
 *
 * @example
 * ```ts
 * const s = new SketchStore();
 * s.add(10, 1);
 * s.keyAtRank(1); // 10
 * ```
 */
export class SketchStore {
  /** Counts per key; `counts[i]` is the count of key `offset + i`. */
  counts: Float64Array = EMPTY;
  /** The key of `counts[0]`. */
  offset = 0;
  /** The lowest key with a count (`+Infinity` while empty). */
  minKey = Number.POSITIVE_INFINITY;
  /** The highest key with a count (`-Infinity` while empty). */
  maxKey = Number.NEGATIVE_INFINITY;
  /** Sum of the counts. */
  count = 0;

  /** Adds `weight` to bin `key` (or to the lowest bin when `key` is below the kept range). */
  add(key: number, weight: number): void {
    // The common case is a key inside the current range: one compare pair and one store.
    if (key < this.minKey || key > this.maxKey) key = this.#extend(key);
    const i = key - this.offset;
    this.counts[i] = (this.counts[i] as number) + weight;
    this.count += weight;
  }

  /** Adds every bin of `from` (unchanged) to this store. */
  merge(from: SketchStore): void {
    if (from.count === 0) return;
    // Widen to the top first, so that a fold decided by from's top keys happens before its bins land.
    if (from.maxKey > this.maxKey) this.#extend(from.maxKey);
    if (from.minKey < this.minKey) this.#extend(from.minKey);
    for (let key = from.minKey; key <= from.maxKey; key++) {
      const c = from.counts[key - from.offset] as number;
      if (c === 0) continue;
      const i = Math.max(key, this.minKey) - this.offset;
      this.counts[i] = (this.counts[i] as number) + c;
    }
    this.count += from.count;
  }

  /** The key holding the `rank`th smallest count unit (1-based; `1 <= rank <= count`). */
  keyAtRank(rank: number): number {
    let seen = 0;
    for (let key = this.minKey; key < this.maxKey; key++) {
      seen += this.counts[key - this.offset] as number;
      if (seen >= rank) return key;
    }
    return this.maxKey;
  }

  /** The key holding the `rank`th largest count unit (1-based; `1 <= rank <= count`). */
  keyAtRankFromTop(rank: number): number {
    let seen = 0;
    for (let key = this.maxKey; key > this.minKey; key--) {
      seen += this.counts[key - this.offset] as number;
      if (seen >= rank) return key;
    }
    return this.minKey;
  }

  /** The counts from `minKey` to `maxKey`, for the JSON form. */
  binCounts(): number[] {
    return this.count === 0
      ? []
      : Array.from(this.counts.subarray(this.minKey - this.offset, this.maxKey - this.offset + 1));
  }

  /**
   * Makes room for `key` outside [minKey, maxKey]: widens the range, folding the lowest keys when
   * it would pass the limit, and moves to a new buffer when the old one does not cover it. Returns
   * the key to count `key` in (the lowest kept key when `key` is below the range).
   */
  #extend(key: number): number {
    const oldMin = this.minKey;
    const oldMax = this.maxKey;
    const hi = Math.max(key, oldMax);
    let lo = Math.min(key, oldMin);
    if (hi - lo >= SKETCH_BIN_LIMIT) lo = hi - SKETCH_BIN_LIMIT + 1;
    if (lo < this.offset || hi >= this.offset + this.counts.length) {
      this.#relayout(lo, hi, key > oldMax ? (oldMin <= oldMax ? 1 : 0) : -1);
    } else if (lo > oldMin) {
      // The range passed the limit at the top: fold the keys below lo into lo, in place.
      let folded = 0;
      for (let k = oldMin; k < lo; k++) {
        folded += this.counts[k - this.offset] as number;
        this.counts[k - this.offset] = 0;
      }
      this.counts[lo - this.offset] = (this.counts[lo - this.offset] as number) + folded;
    }
    this.minKey = lo;
    this.maxKey = hi;
    return Math.max(key, lo);
  }

  /**
   * Moves the bins to a new buffer covering [lo, hi] plus slack on the side that grew (`growth`
   * 1: up, -1: down, 0: a first key, slack on both sides), folding old keys below lo into lo.
   */
  #relayout(lo: number, hi: number, growth: number): void {
    const needed = hi - lo + 1;
    const capacity = (Math.floor(needed / CHUNK) + 1) * CHUNK;
    const slack = capacity - needed;
    const offset = lo - (growth > 0 ? 0 : growth < 0 ? slack : slack >> 1);
    const counts = new Float64Array(capacity);
    for (let k = this.minKey; k <= this.maxKey; k++) {
      const c = this.counts[k - this.offset] as number;
      if (c === 0) continue;
      const i = Math.max(k, lo) - offset;
      counts[i] = (counts[i] as number) + c;
    }
    this.counts = counts;
    this.offset = offset;
  }
}
