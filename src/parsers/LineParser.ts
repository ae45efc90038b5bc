import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { describe } from '../internal/describe.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { type LineHandler, LineReader } from './LineReader.js';
import { lineTooLong, malformedLine } from './malformedLine.js';
import type { ParsedElement } from './ParsedElement.js';

/**
 * Options every line parser ({@link parseNDJSON}, {@link parseStatsD}) accepts.
 * @category Parsers
 */
export interface LineParserOptions {
  /**
   * Longest accepted line in **bytes** (UTF-8), not counting its `\n` or `\r\n`; default
   * 1 048 576 (1 MiB). The parser never buffers more than this (+1 byte) of one line, so a
   * missing newline cannot make it grow without bound. A longer line is malformed
   * (`ERR_METRIX_LINE_TOO_LONG`).
   */
  maxLineLength?: number;
  /**
   * What a malformed line does. `'error'` (default): the parser fails with a MetrixError naming
   * the line number and the reason, once the elements parsed before that line have been read.
   * `'skip'`: the line is dropped, counted in {@link LineParser.malformedCount} and reported by a
   * `'malformed'` event carrying that same MetrixError; parsing goes on.
   */
  onMalformed?: 'error' | 'skip';
  /** Elements buffered on the readable side before backpressure applies (default 16). */
  highWaterMark?: number;
}

/**
 * The `input` of a parser's MetrixError: the 1-based line number and the line (maybe cut).
 * @category Parsers
 */
export interface MalformedLineInput {
  /** 1-based line number in the whole input. */
  line: number;
  /** The line's text, at most 200 characters of it. */
  text: string;
}

/**
 * The shared machinery of the line parsers: a Transform from bytes (Buffers or strings) to
 * {@link ParsedElement} objects that splits its input into lines and hands each non-blank line
 * to the subclass's {@link LineParser.parseLine}.
 *
 * Lines end with `\n` or `\r\n`; the last line needs no newline (it is parsed at end of input).
 * Lines are split on bytes, before decoding, so a multi-byte UTF-8 character split across chunks
 * is decoded whole. A UTF-8 byte-order mark at the very start is ignored. Blank lines (empty or
 * only whitespace) are skipped silently but counted in the line numbers. Empty input gives no
 * output and no error. Elements of one line come out in order, lines in input order.
 *
 * Events besides the stream ones: `'malformed'` (a MetrixError with code
 * `ERR_METRIX_MALFORMED_LINE` or `ERR_METRIX_LINE_TOO_LONG`, whose `input` is a
 * {@link MalformedLineInput}) for each line skipped under `onMalformed: 'skip'`.
 *
 * @example
 * ```ts
 * import { parseNDJSON } from 'metrix-stream';
 * const parser = parseNDJSON({ onMalformed: 'skip' });
 * parser.on('malformed', (err) => console.error(err.message));
 * parser.end('{"name":"a","value":1}\nnot json\n');
 * for await (const el of parser) console.log(el); // { name: 'a', value: 1 }
 * console.log(parser.malformedCount); // 1
 * ```
 * @see {@link parseNDJSON}, {@link parseStatsD}
 * @category Parsers
 */
export abstract class LineParser extends Transform {
  /** Longest accepted line in bytes. */
  readonly maxLineLength: number;
  /** `'error'` or `'skip'`. */
  readonly onMalformed: 'error' | 'skip';

  /** The factory's name, which starts every error message. */
  readonly #what: string;
  readonly #reader: LineReader;
  #malformed = 0;
  /** Set by {@link LineParser.stop}: the unfinished last line is dropped, not parsed. */
  #dropTail = false;
  /** In `'error'` mode, the failure waiting for the elements before it to be read. */
  #failure: { error: MetrixError; callback: TransformCallback } | undefined;
  /** The callback of the chunk being read, for a malformed line to fail with. */
  #callback: TransformCallback | undefined;
  /** The line handler, bound once. */
  readonly #handler: LineHandler = {
    line: (text, number) => this.#line(text, number),
    tooLong: (number, head) => this.#reject(lineTooLong(this.#what, this.maxLineLength, number, head)),
  };

  constructor(what: string, options: LineParserOptions = {}) {
    const opts = options ?? {};
    if (typeof opts !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}(options): options must be an object`, {
        input: options,
      });
    }
    const { maxLineLength = LineReader.DEFAULT_MAX_LINE_LENGTH, onMalformed = 'error', highWaterMark } = opts;
    if (typeof maxLineLength !== 'number' || !Number.isInteger(maxLineLength) || maxLineLength <= 0) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `${what}: maxLineLength must be a positive integer (bytes), got ${describe(maxLineLength)}`,
        { input: maxLineLength },
      );
    }
    if (onMalformed !== 'error' && onMalformed !== 'skip') {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `${what}: onMalformed must be 'error' or 'skip', got ${describe(onMalformed)}`,
        { input: onMalformed },
      );
    }
    if (highWaterMark !== undefined && (!Number.isInteger(highWaterMark) || highWaterMark < 0)) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `${what}: highWaterMark must be a non-negative integer, got ${describe(highWaterMark)}`,
        { input: highWaterMark },
      );
    }
    super({
      readableObjectMode: true,
      writableObjectMode: false,
      ...(highWaterMark === undefined ? {} : { readableHighWaterMark: highWaterMark }),
    });
    this.#what = what;
    this.maxLineLength = maxLineLength;
    this.onMalformed = onMalformed;
    this.#reader = new LineReader(maxLineLength);
  }

  /** Lines seen so far (complete lines, blank and malformed ones included). */
  get lineCount(): number {
    return this.#reader.lineCount;
  }

  /** Lines skipped as malformed under `onMalformed: 'skip'`. */
  get malformedCount(): number {
    return this.#malformed;
  }

  /**
   * Ends input like `end()`, but drops an unfinished last line (bytes after the last newline)
   * instead of parsing it: for input cut off in mid-line — a signal, an aborted request — whose
   * tail is not a line. Bytes already written are still parsed up to their last newline.
   */
  stop(): void {
    this.#dropTail = true;
    if (!this.writableEnded) this.end();
  }

  /**
   * Parses one non-blank line (without its line ending) into zero or more elements. Throwing
   * marks the line malformed: the thrown error's message is the reason, and the error itself
   * becomes the `cause` of the MetrixError the parser raises.
   */
  protected abstract parseLine(text: string): ParsedElement | readonly ParsedElement[] | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#callback = callback;
    const goOn = this.#reader.write(chunk, this.#handler);
    this.#callback = undefined;
    if (goOn) callback();
  }

  override _flush(callback: TransformCallback): void {
    this.#callback = callback;
    const goOn = this.#reader.end(this.#handler, this.#dropTail);
    this.#callback = undefined;
    if (goOn) callback();
  }

  /**
   * Reads as usual, then raises a pending failure once everything parsed before the malformed
   * line has been read: destroying earlier would discard those valid elements from the buffer.
   * `read()` is where every consumer takes elements out (flowing mode, `'readable'`, async
   * iteration), and `_read()` is not called again while the parser pushes nothing.
   */
  override read(size?: number): ReturnType<Transform['read']> {
    const chunk = super.read(size);
    if (this.#failure !== undefined && this.readableLength === 0) {
      const { error, callback } = this.#failure;
      this.#failure = undefined;
      process.nextTick(callback, error);
    }
    return chunk;
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#reader.reset();
    this.#failure = undefined;
    callback(error);
  }

  /** Parses one line and pushes its elements; a malformed one goes to {@link LineParser.#reject}. */
  #line(text: string, number: number): boolean {
    let parsed: ParsedElement | readonly ParsedElement[] | undefined;
    try {
      parsed = this.parseLine(text);
    } catch (cause) {
      return this.#reject(malformedLine(this.#what, number, text, cause));
    }
    if (parsed === undefined) return true;
    if (Array.isArray(parsed)) for (const element of parsed) this.push(element);
    else this.push(parsed);
    return true;
  }

  /**
   * Handles a malformed line: in `'skip'` mode counts and reports it and returns `true` (go on);
   * in `'error'` mode fails the stream through the chunk's callback — at once when nothing
   * parsed earlier is still unread, otherwise from {@link LineParser.read} once it has been — and
   * returns `false`.
   */
  #reject(error: MetrixError): boolean {
    if (this.onMalformed === 'skip') {
      this.#malformed++;
      this.emit('malformed', error);
      return true;
    }
    const callback = this.#callback as TransformCallback;
    if (this.readableLength === 0) callback(error);
    else this.#failure = { error, callback };
    return false;
  }
}
