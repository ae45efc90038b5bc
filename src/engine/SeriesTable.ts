import { TagsCache } from '../internal/TagsCache.js';
import { EMPTY_TAGS, knownKey, mergeTags } from '../internal/tags.js';
import { keyFromTags } from '../key.js';
import type { Tags } from '../Tags.js';
import { Series } from './Series.js';

/**
 * Options of `SeriesTable`.
 * @category Stages
 */
export interface SeriesTableOptions {
  /**
   * Series kept from one window to the next (default 16384). Past it, `SeriesTable.trim()`
   * forgets the series not seen in the last window; a forgotten series is made again, equal, when
   * its tags come back.
   */
  maxRetained?: number;
  /**
   * The cardinality limit: distinct series the table holds at most (default: no limit). A tag
   * set new to a full table resolves to the overflow series instead — the default tags plus
   * `{ [OVERFLOW_TAG]: 'true' }`, as OpenTelemetry's cardinality limit does — and is counted
   * in `SeriesTable.overflowed`. Series idle for a whole window are forgotten at the next
   * `SeriesTable.trim()`, which makes room for new ones.
   */
  maxSeries?: number;
}

/** The tag that marks the overflow series of a stream past its cardinality limit. */
export const OVERFLOW_TAG = 'metrix.overflow';

/**
 * Resolves tags to {@link Series}: tags given by a caller are validated and merged over the
 * stream's default tags once per tag object (see TagsCache), then looked up by key in a map that
 * survives from one window or batch to the next, so that a recurring tag set costs two lookups
 * and no allocation, whether 100 or 10 000 of them recur.
 */
export class SeriesTable {
  readonly #base: Tags;
  readonly #cache: TagsCache;
  readonly #byKey = new Map<string, Series>();
  /** Series of frozen tag objects, by the object: they cannot change, so no check is needed. */
  readonly #frozen = new Map<object, Series>();
  readonly #maxRetained: number;
  readonly #maxSeries: number;
  readonly #default: Series;
  #overflow: Series | undefined;
  #overflowed = 0;
  /** Incremented by trim(): a series resolved since the last trim has `seen === #epoch`. */
  #epoch = 0;

  constructor(base: Tags = EMPTY_TAGS, options: SeriesTableOptions = {}) {
    this.#base = base;
    this.#cache = new TagsCache(base);
    this.#maxRetained = options.maxRetained ?? 16384;
    this.#maxSeries = options.maxSeries ?? Number.POSITIVE_INFINITY;
    this.#default = new Series(keyFromTags(base), base, this);
  }

  /** The series of an element without tags of its own: the default tags'. */
  get defaultSeries(): Series {
    return this.#default;
  }

  /** Resolutions folded into the overflow series since the table was made. */
  get overflowed(): number {
    return this.#overflowed;
  }

  /** Series currently kept. */
  get size(): number {
    return this.#byKey.size;
  }

  /**
   * The series of tags given by a caller (validated, merged over the default tags).
   * @throws {@link MetrixError} `ERR_METRIX_INVALID_TAGS` for tags that are not a flat map of
   * strings, numbers or booleans.
   */
  resolve(input: object): Series {
    // A frozen tags object cannot change: its series is remembered by identity, one lookup.
    const known = this.#frozen.get(input);
    if (known !== undefined) {
      known.seen = this.#epoch;
      return known;
    }
    const tags = this.#cache.normalize(input);
    const series = this.#lookup(knownKey(tags) ?? keyFromTags(tags), tags);
    // Not an overflow: that object's tag set may get a series of its own once there is room.
    // Bounded as the table is (strongly held, like TagsCache's inputs); trim() prunes it with it.
    if (series !== this.#overflow && Object.isFrozen(input) && this.#frozen.size < this.#maxRetained) {
      this.#frozen.set(input, series);
    }
    return series;
  }

  /**
   * The series of tags already normalized (an {@link MElement}'s, with its key), merged over the
   * default tags when there are any.
   */
  resolveNormalized(tags: Tags, key: string): Series {
    if (this.#base !== EMPTY_TAGS) return tags === EMPTY_TAGS ? this.#default : this.resolve(tags);
    return this.#lookup(key, tags);
  }

  /**
   * This table's own series for a series of any table (a {@link KeyedValue} from a
   * {@link groupByKey} upstream, say): itself when this table made it, otherwise resolved again
   * by its key (and merged over this table's default tags).
   */
  adopt(series: Series): Series {
    return series.owner === this ? series : this.resolveNormalized(series.tags, series.key);
  }

  /**
   * Keeps the table bounded: called when a window or batch closes. When more than `maxRetained`
   * series are kept, forgets those not resolved since the previous call. Every series in an open
   * window was resolved since then, so none of them is forgotten (a forgotten one would come back
   * as a second series of the same key); the table may so exceed `maxRetained` by what one window
   * holds, which its states hold anyway.
   */
  trim(): void {
    this.#epoch++;
    const size = this.#byKey.size;
    if (size <= this.#maxRetained && size < this.#maxSeries) return;
    const recent = this.#epoch - 1;
    for (const [key, series] of this.#byKey) if (series.seen < recent) this.#byKey.delete(key);
    // A remembered frozen object may point at a series just forgotten: forget those too.
    for (const [input, series] of this.#frozen) if (series.seen < recent) this.#frozen.delete(input);
  }

  /** The one series every tag set past the limit folds into (not in the table: never forgotten). */
  #overflowSeries(): Series {
    this.#overflowed++;
    if (this.#overflow === undefined) {
      const tags = mergeTags(this.#base, { [OVERFLOW_TAG]: 'true' });
      this.#overflow = new Series(keyFromTags(tags), tags, this);
    }
    this.#overflow.seen = this.#epoch;
    return this.#overflow;
  }

  #lookup(key: string, tags: Tags): Series {
    let series = this.#byKey.get(key);
    if (series === undefined) {
      if (key === this.#default.key) series = this.#default;
      else if (this.#byKey.size >= this.#maxSeries || key === this.#overflow?.key) return this.#overflowSeries();
      else series = new Series(key, tags, this);
      this.#byKey.set(key, series);
    }
    series.seen = this.#epoch;
    return series;
  }
}
