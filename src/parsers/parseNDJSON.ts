import { LineParser, type LineParserOptions } from './LineParser.js';
import { ndjsonFormat } from './ndjsonFormat.js';
import type { ParsedElement } from './ParsedElement.js';

/**
 * Options of {@link parseNDJSON}.
 * @category Parsers
 */
export type ParseNDJSONOptions = LineParserOptions;

class NDJSONParser extends LineParser {
  readonly #format = ndjsonFormat();

  protected parseLine(text: string): ParsedElement {
    return this.#format.parse(text);
  }
}

/**
 * Makes a Transform that parses newline-delimited JSON — one object
 * `{ "name": string, "value": number, "tags"?: object, "time"?: number }` per line — into
 * {@link ParsedElement} objects, ready for an {@link MCoordinator}.
 *
 * Its writable side takes bytes (Buffers, Uint8Arrays or strings, in chunks split anywhere, even
 * inside a multi-byte UTF-8 character); its readable side is in object mode. Each line must be a
 * JSON object with:
 * - `name`: a non-empty string;
 * - `value`: a finite number (a numeric string such as `"3"` is rejected, and so is `1e999`);
 * - `tags` (optional): a flat object whose values are strings, numbers or booleans (converted to
 *   strings); `null` means no tags;
 * - `time` (optional): milliseconds since the epoch, a finite number that a `Date` can hold
 *   (`|time| <= 8.64e15`; `1e300` is `ERR_METRIX_INVALID_TIME`); `null` means none (the
 *   receiving stream then stamps the element on arrival).
 * Other fields are ignored. Lines end with `\n` or `\r\n`; blank lines are skipped; the last line
 * needs no newline; empty input gives no output. A line longer than `maxLineLength` bytes
 * (default 1 MiB) is malformed without being buffered whole.
 *
 * `{"name":"a","value":1}⏎{"name":"b","value":2,"tags":{"k":"v"}}` → `{name:'a',value:1}`,
 * `{name:'b',value:2,tags:{k:'v'}}`
 *
 * A malformed line (bad JSON, not an object, missing or invalid field, too long) by default fails
 * the stream with a MetrixError whose message names the line number and the reason — after the
 * elements of the lines before it have been read, so none is lost. With `onMalformed: 'skip'` the
 * line is dropped instead, counted in `malformedCount`, and reported by a `'malformed'` event;
 * the lines around it are parsed as usual.
 *
 * @param options - See {@link LineParserOptions}.
 * @returns The parser, a {@link LineParser} (a Transform with `lineCount` and `malformedCount`).
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for an invalid option. While
 * parsing (as `'error'`, or as `'malformed'` events when skipping): `ERR_METRIX_MALFORMED_LINE`
 * (its `cause` is the JSON `SyntaxError`, or a MetrixError `ERR_METRIX_INVALID_NAME`,
 * `ERR_METRIX_INVALID_VALUE`, `ERR_METRIX_INVALID_TAGS`, `ERR_METRIX_INVALID_TIME` or
 * `ERR_METRIX_INVALID_ELEMENT` saying which field is wrong) and `ERR_METRIX_LINE_TOO_LONG`; the
 * error's `input` is `{ line, text }`.
 * @example Parse a file and route it through a coordinator
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { pipeline } from 'node:stream/promises';
 * import { MCoordinator, MStream, parseNDJSON, sum } from 'metrix-stream';
 * const coordinator = new MCoordinator({ mstreams: [new MStream('words', { agg: sum, windowSize: 60 })] });
 * await pipeline(createReadStream('metrics.ndjson'), parseNDJSON(), coordinator);
 * ```
 * @example Skip bad lines and count them
 * ```ts
 * import { parseNDJSON } from 'metrix-stream';
 * const parser = parseNDJSON({ onMalformed: 'skip', maxLineLength: 4096 });
 * parser.on('malformed', (err) => console.error(err.message)); // "parseNDJSON: line 7: …"
 * ```
 * @see {@link parseStatsD} for the StatsD line protocol; {@link LineParser} for the shared rules.
 * @category Parsers
 */
export function parseNDJSON(options?: ParseNDJSONOptions): LineParser {
  return new NDJSONParser('parseNDJSON', options);
}
