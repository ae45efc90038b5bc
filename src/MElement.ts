import { describe } from './internal/describe.js';
import { EMPTY_TAGS, knownKey, normalizeTags, sameTags } from './internal/tags.js';
import { isValidTime } from './internal/validate.js';
import { keyFromTags } from './key.js';
import { ErrorCode, MetrixError } from './MetrixError.js';
import type { Tags, TagsInput } from './Tags.js';

export type { Tags, TagsInput, TagValue } from './Tags.js';

/** Options of the {@link MElement} constructor. */
export interface MElementOptions {
  /** Tags of the element; `undefined`, `null` or `{}` mean none. */
  tags?: TagsInput | null | undefined;
  /** Milliseconds since the epoch; defaults to `Date.now()` at construction. */
  time?: number | undefined;
}

/** The plain-object form of an element, as `JSON.stringify` writes it. */
export interface MElementJSON {
  name: string;
  value: number;
  tags: Tags;
  time: number;
}

/**
 * One metric data point: a name, a finite numeric value, tags and a timestamp.
 *
 * Elements are immutable: tags are copied into a frozen object (or used as they are when they
 * already are a frozen map of strings), tag values given as numbers or booleans become strings.
 *
 * @example
 * ```ts
 * import { MElement } from 'metrix-stream';
 * const el = new MElement('latency', 12.5, { tags: { route: '/home', cached: false } });
 * el.tags; // { route: '/home', cached: 'false' }
 * el.key; // 'cached:false|route:/home'
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_NAME` for an empty or non-string name,
 * `ERR_METRIX_INVALID_VALUE` for a value that is not a finite number, `ERR_METRIX_INVALID_TAGS`
 * for tags that are not a flat map of strings, numbers or booleans, `ERR_METRIX_INVALID_TIME` for
 * a time that is not a number a `Date` can hold (±8.64e15 ms).
 */
export class MElement {
  /** Metric name. */
  readonly name: string;
  /** Finite numeric value. */
  readonly value: number;
  /** Frozen tags; `{}` when there are none, never `null`. */
  readonly tags: Tags;
  /** Milliseconds since the epoch. */
  readonly time: number;
  #key: string | undefined;

  constructor(name: string, value: number, options?: MElementOptions) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new MetrixError(ErrorCode.INVALID_NAME, `metric name must be a non-empty string, got ${describe(name)}`, {
        input: name,
      });
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new MetrixError(
        ErrorCode.INVALID_VALUE,
        `value of metric "${name}" must be a finite number, got ${describe(value)}`,
        { input: value },
      );
    }
    let time: number;
    let tags: Tags = EMPTY_TAGS;
    if (options === undefined) {
      time = Date.now();
    } else {
      const t = options.time;
      if (t === undefined) time = Date.now();
      else if (isValidTime(t)) time = t;
      else {
        throw new MetrixError(
          ErrorCode.INVALID_TIME,
          `time of metric "${name}" must be a number of milliseconds since the epoch within ±8.64e15 (what a Date holds), got ${describe(t)}`,
          { input: t },
        );
      }
      if (options.tags != null) tags = normalizeTags(options.tags);
    }
    this.name = name;
    this.value = value;
    this.tags = tags;
    this.time = time;
    this.#key = tags === EMPTY_TAGS ? '' : knownKey(tags);
  }

  /**
   * The tag key that groups elements: see {@link keyFromTags}. Computed once, on first use.
   */
  get key(): string {
    if (this.#key === undefined) this.#key = keyFromTags(this.tags);
    return this.#key;
  }

  /** Whether `other` has the same name, value and tags (tag order and `time` do not matter). */
  equals(other: MElement): boolean {
    if (!(other instanceof MElement)) return false;
    return this.name === other.name && this.value === other.value && sameTags(this.tags, other.tags);
  }

  /** `{ name, value, tags, time }`, as written by `JSON.stringify`. */
  toJSON(): MElementJSON {
    return { name: this.name, value: this.value, tags: this.tags, time: this.time };
  }

  /** One readable line, e.g. `MElement(name=m.sum, value=3, tags={"foo":"bar"}, time=2026-…Z)`. */
  toString(): string {
    return `MElement(name=${this.name}, value=${this.value}, tags=${JSON.stringify(this.tags)}, time=${new Date(this.time).toISOString()})`;
  }
}
