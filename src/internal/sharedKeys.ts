import type { Tags } from '../MElement.js';

// Keys of tag maps that many elements share (an MStream's defaultTags, the tags TagsCache hands
// out again and again). Only such maps are entered: a WeakMap entry for every fresh map would
// cost far more (~1.5 µs an element, measured) than computing its key once.
const keys = new WeakMap<Tags, string>();

/** The key recorded for `tags` by {@link shareKey}, if any. */
export function sharedKey(tags: Tags): string | undefined {
  return keys.get(tags);
}

/**
 * Records `key` as the key of the frozen map `tags`, which must not change (it is frozen and
 * holds strings): every element with these tags then gets the same key string, computed once,
 * whose hash is computed once too when it is used as a Map key.
 */
export function shareKey(tags: Tags, key: string): void {
  keys.set(tags, key);
}
