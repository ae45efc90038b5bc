/**
 * The tag types every module shares, in a module of their own so that MElement, the key codec
 * and the tag normalization do not import each other for them.
 * @module
 */

/** A frozen flat map of tag name to tag value, as stored on every {@link MElement}. */
export type Tags = Readonly<Record<string, string>>;

/** What a tag value may be given as; numbers and booleans are stored as strings. */
export type TagValue = string | number | boolean;

/** Tags as a caller may give them. */
export type TagsInput = Readonly<Record<string, TagValue>>;
