import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { Tags } from '../Tags.js';
import { describe } from './describe.js';
import { setOwn } from './setOwn.js';

/** The tags of an element without tags: one frozen object shared by all of them. */
export const EMPTY_TAGS: Tags = Object.freeze({});

/** Whether two tag maps hold the same names and values, in any order. */
export function sameTags(a: Tags, b: Tags): boolean {
  if (a === b) return true;
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  for (const name of names) {
    if (!Object.hasOwn(b, name) || a[name] !== b[name]) return false;
  }
  return true;
}

/** The last frozen map of strings normalizeTags returned or mergeTags built (immutable). */
let lastNormalized: Tags = EMPTY_TAGS;
/** The key of `lastNormalized` when the caller gave it to {@link markNormalized}. */
let lastKey: string | undefined;

/**
 * Validates tags and returns them as a frozen map of strings. A frozen map that already holds
 * only strings is returned as it is: no copy on the hot path for shared tag objects.
 */
export function normalizeTags(input: unknown): Tags {
  if (input == null || input === EMPTY_TAGS) return EMPTY_TAGS;
  // The tags just built or checked here, handed on at once to `new MElement()`, which checks its
  // tags again: remembering the last result skips that second pass.
  if (input === lastNormalized) return input as Tags;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new MetrixError(ErrorCode.INVALID_TAGS, `tags must be a plain object, got ${describe(input)}`, { input });
  }
  const source = input as Record<string, unknown>;
  if (Object.isFrozen(source) && allStrings(source)) {
    lastNormalized = source as Tags;
    lastKey = undefined;
    return source as Tags;
  }
  return mergeTags(EMPTY_TAGS, source);
}

/**
 * Returns a new frozen map holding `base`'s tags overridden and extended by `input`'s, with
 * `input` validated and its values converted to strings. One allocation for merge and copy.
 */
export function mergeTags(base: Tags, input: Readonly<Record<string, unknown>>): Tags {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new MetrixError(ErrorCode.INVALID_TAGS, `tags must be a plain object, got ${describe(input)}`, { input });
  }
  const out: Record<string, string> = {};
  for (const name in base) setOwn(out, name, base[name] as string);
  for (const name of Object.keys(input)) {
    const v = input[name];
    let s: string;
    if (typeof v === 'string') s = v;
    else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
    else {
      throw new MetrixError(
        ErrorCode.INVALID_TAGS,
        `tag "${name}" must be a string, number or boolean, got ${describe(v)}`,
        { input },
      );
    }
    setOwn(out, name, s);
  }
  lastNormalized = Object.freeze(out);
  lastKey = undefined;
  return lastNormalized;
}

/**
 * Marks `tags`, a frozen map of strings that the caller got from {@link normalizeTags} or
 * {@link mergeTags} earlier, as the last one normalized, so that the `new MElement()` it is
 * handed to next neither checks it again nor computes its key when `key` (which must be
 * `keyFromTags(tags)`) is given: elements of a shared tag set then share one key string, whose
 * hash is computed once. Returns `tags`.
 */
export function markNormalized(tags: Tags, key?: string): Tags {
  lastNormalized = tags;
  lastKey = key;
  return tags;
}

/** The key given with `tags` to {@link markNormalized}, if `tags` is still the last one. */
export function knownKey(tags: Tags): string | undefined {
  return tags === lastNormalized ? lastKey : undefined;
}

function allStrings(tags: Record<string, unknown>): boolean {
  for (const name of Object.keys(tags)) if (typeof tags[name] !== 'string') return false;
  return true;
}
