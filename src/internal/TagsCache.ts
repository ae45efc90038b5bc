import { keyFromTags } from '../key.js';
import type { Tags } from '../MElement.js';
import { EMPTY_TAGS, markNormalized, mergeTags, normalizeTags } from './tags.js';

interface Entry {
  /** The input's own enumerable names when `tags` was built from it, in order. */
  readonly names: readonly string[];
  /** The input's values for `names`, as given (strings, numbers or booleans). */
  readonly values: readonly unknown[];
  /** The normalized tags built from the input (merged over the base). */
  readonly tags: Tags;
  /** `keyFromTags(tags)`, computed when the entry is first reused. */
  key: string | undefined;
}

/** Entries before the cache starts over: bounds memory when every element has fresh tags. */
const MAX_ENTRIES = 1024;
/**
 * Normalizations done without the cache after it filled up with little reuse (fewer hits than
 * a quarter of its entries): a caller that builds a fresh tags object per call (`{ tags: {
 * route } }`) would only pay for entries it never reuses and for their promotion to the old
 * generation (bench/RESULTS.md has the figure), so the cache stands aside for a while, then
 * tries again.
 */
const BYPASS = 16 * MAX_ENTRIES;

/**
 * Normalizes tag objects merged over a base (an MStream's `defaultTags`), remembering the result
 * per input object: a caller that passes the same tag objects again and again (a constant
 * `{ route: '/home' }`, a map of prepared tag sets) then pays a lookup and a check instead of a
 * copy, and all its elements share one frozen tags map and one key string. The check compares
 * the input's current names, order and values with those it had, so an input changed since is
 * normalized again: the result is always what {@link mergeTags} or {@link normalizeTags} would
 * give now. Inputs are held strongly, at most {@link MAX_ENTRIES} of them.
 */
export class TagsCache {
  readonly #base: Tags;
  readonly #entries = new Map<object, Entry>();
  /** Hits since the cache was last emptied. */
  #hits = 0;
  /** Normalizations left to do without the cache. */
  #bypass = 0;

  constructor(base: Tags) {
    this.#base = base;
  }

  /** Like `mergeTags(base, input)` (`normalizeTags(input)` without a base); throws the same. */
  normalize(input: object): Tags {
    if (this.#bypass > 0) {
      this.#bypass--;
      return this.#build(input);
    }
    const entry = this.#entries.get(input);
    if (entry !== undefined && matches(input as Record<string, unknown>, entry)) {
      this.#hits++;
      // Reused: worth computing the key once for every element that will share these tags.
      if (entry.key === undefined) entry.key = keyFromTags(entry.tags);
      return markNormalized(entry.tags, entry.key);
    }
    const tags = this.#build(input);
    if (this.#entries.size >= MAX_ENTRIES) {
      this.#entries.clear();
      if (this.#hits < MAX_ENTRIES / 4) this.#bypass = BYPASS;
      this.#hits = 0;
      if (this.#bypass > 0) return tags;
    }
    const names = Object.keys(input);
    const values = names.map((name) => (input as Record<string, unknown>)[name]);
    this.#entries.set(input, { names, values, tags, key: undefined });
    return tags;
  }

  #build(input: object): Tags {
    return this.#base === EMPTY_TAGS
      ? normalizeTags(input)
      : mergeTags(this.#base, input as Readonly<Record<string, unknown>>);
  }
}

/** Whether `input` still has the names, in the same order, and values it had for `entry`. */
function matches(input: Record<string, unknown>, entry: Entry): boolean {
  const { names, values } = entry;
  let i = 0;
  // for...in walks the own names in Object.keys order without allocating; an inherited
  // enumerable name makes the lists differ, and the slow path decides.
  for (const name in input) {
    if (name !== names[i] || input[name] !== values[i]) return false;
    i++;
  }
  return i === names.length;
}
