import type { Tags } from '../MElement.js';

/**
 * What the parsers emit: one metric data point as a plain object, ready to be written to an
 * {@link MCoordinator} (which routes it by `name`) or, without `name`, to an {@link MStream}.
 *
 * `tags` is present only when the input had tags (a frozen map of strings: numbers and booleans
 * are converted as {@link MElement} does); `time` only when the input had a timestamp
 * (milliseconds since the epoch), otherwise the receiving stream stamps the element on arrival.
 *
 * @example
 * ```ts
 * import type { ParsedElement } from 'metrix-stream';
 * const el: ParsedElement = { name: 'words', value: 120, tags: { section: 'sports' } };
 * ```
 * @see {@link parseNDJSON}, {@link parseStatsD}
 * @category Parsers
 */
export interface ParsedElement {
  /** Metric name, a non-empty string. */
  name: string;
  /** A finite number. */
  value: number;
  /** Tags, when the input had any. */
  tags?: Tags;
  /** Milliseconds since the epoch, when the input had a timestamp. */
  time?: number;
}
