import type { Tags } from '../MElement.js';

/** Entries before the cache starts over: bounds memory when every line has new tags. */
const MAX_ENTRIES = 1024;

/**
 * Remembers the frozen tags built from a tag text (`#route:/a,status:200`, the raw text of a
 * JSON `tags` object), so that the lines of one series normalize their tags once and share one
 * tags object: downstream caches that key on the object (the stream's tag cache) then hit by
 * identity instead of comparing contents. At most 1024 texts are kept; when full, it starts
 * over (a workload with ever-new tags pays one lookup per line, nothing more).
 */
export class TagsTextCache {
  readonly #entries = new Map<string, Tags>();

  /** The tags built from `text` before, if still remembered. */
  get(text: string): Tags | undefined {
    return this.#entries.get(text);
  }

  /** Remembers `tags` (frozen) for `text`; returns `tags`. */
  set(text: string, tags: Tags): Tags {
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(text, tags);
    return tags;
  }
}
