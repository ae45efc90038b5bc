import type { Tags } from '../Tags.js';
import type { WindowGroup } from './WindowGroup.js';

/**
 * One series of a stream: a distinct tag set, its key (see {@link keyFromTags}) and its frozen
 * tags. A `SeriesTable` makes one per key and keeps it from one window or batch to the
 * next, so a tag set seen again costs a lookup, not a new key and a new tags object.
 * @category Stages
 */
export class Series {
  /** The tag key, `keyFromTags(tags)`. */
  readonly key: string;
  /** The frozen tags of the series. */
  readonly tags: Tags;
  /**
   * The group this series has in the accumulation it was last added to, and that accumulation:
   * a one-entry cache that makes adding a value one comparison in the common case (one open
   * window or batch). Owned by {@link Accumulation}.
   * @internal
   */
  lastGroup: WindowGroup | undefined = undefined;
  /** @internal */
  lastOwner: object | undefined = undefined;
  /** The `SeriesTable` epoch in which it was last resolved. @internal */
  seen = 0;
  /**
   * The table that made it. A window only adds series of its own table: its one-entry cache and
   * its table's trimming assume no other window or table shares them. @internal
   */
  readonly owner: object | undefined;

  constructor(key: string, tags: Tags, owner?: object) {
    this.key = key;
    this.tags = tags;
    this.owner = owner;
  }
}
