import type { ParsedElement } from './ParsedElement.js';

/**
 * How one line of a text format becomes elements: the part of a parser that knows the format,
 * without the streaming. {@link LineParser} drives one over a byte stream; the command drives
 * one over file chunks, HTTP bodies and single UDP datagrams.
 *
 * `parse` returns the line's element, its elements (a StatsD multi-value line), or `undefined`
 * for a line that is deliberately ignored (and counted by the format, e.g. a StatsD event). It
 * throws for a malformed line: the error's message is the reason (a MetrixError naming the field
 * when there is one), and the caller wraps it with the line's number. It never returns an element
 * with a non-finite value or a time outside what `Date` can represent.
 */
export interface LineFormat<E extends ParsedElement = ParsedElement> {
  /** The factory's name, which starts every error message (`parseNDJSON`, `parseStatsD`). */
  readonly what: string;
  /** Parses one non-blank line (without its line ending). */
  parse(text: string): E | readonly E[] | undefined;
}
