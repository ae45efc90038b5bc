import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { describe } from '../internal/describe.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { ParsedElement } from './ParsedElement.js';

/** Options every line parser ({@link parseNDJSON}, {@link parseStatsD}) accepts. */
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

/** The `input` of a parser's MetrixError: the 1-based line number and the line (maybe cut). */
export interface MalformedLineInput {
  /** 1-based line number in the whole input. */
  line: number;
  /** The line's text, at most 200 characters of it. */
  text: string;
}

const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;

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
 */
export abstract class LineParser extends Transform {
  /** Longest accepted line in bytes. */
  readonly maxLineLength: number;
  /** `'error'` or `'skip'`. */
  readonly onMalformed: 'error' | 'skip';

  /** The factory's name, which starts every error message. */
  readonly #what: string;
  /** Bytes of the line not yet ended by a newline. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** True while the rest of an over-long line (already reported) is being thrown away. */
  #discarding = false;
  #lines = 0;
  #malformed = 0;
  /** Set by {@link LineParser.stop}: the unfinished last line is dropped, not parsed. */
  #dropTail = false;
  /** In `'error'` mode, the failure waiting for the elements before it to be read. */
  #failure: { error: MetrixError; callback: TransformCallback } | undefined;

  constructor(what: string, options: LineParserOptions = {}) {
    const opts = options ?? {};
    if (typeof opts !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}(options): options must be an object`, {
        input: options,
      });
    }
    const { maxLineLength = DEFAULT_MAX_LINE_LENGTH, onMalformed = 'error', highWaterMark } = opts;
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
  }

  /** Lines seen so far (complete lines, blank and malformed ones included). */
  get lineCount(): number {
    return this.#lines;
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
    let start = 0;
    let nl = chunk.indexOf(LF);
    while (nl !== -1) {
      let line: Buffer | undefined;
      if (this.#discarding) {
        this.#discarding = false;
      } else if (this.#pendingBytes === 0) {
        line = chunk.subarray(start, nl);
      } else {
        this.#pending.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.#pending, this.#pendingBytes + nl - start);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      this.#lines++;
      if (line !== undefined) {
        const error = this.#line(line, this.#lines);
        if (error !== undefined && !this.#reject(error, callback)) return;
      }
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    if (start < chunk.length && !this.#discarding) {
      // Copy: the caller may reuse its buffer, and a subarray would pin the whole chunk.
      const rest = Buffer.from(chunk.subarray(start));
      this.#pending.push(rest);
      this.#pendingBytes += rest.length;
      // +1: the line may still end with the `\r` of a `\r\n` that is not counted.
      if (this.#pendingBytes > this.maxLineLength + 1) {
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#discarding = true;
        const error = this.#tooLong(this.#lines + 1, rest);
        if (!this.#reject(error, callback)) return;
      }
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.#dropTail) {
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    if (this.#discarding || this.#pendingBytes === 0) {
      if (this.#discarding) this.#lines++;
      this.#discarding = false;
      callback();
      return;
    }
    const line = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#lines++;
    const error = this.#line(line, this.#lines);
    if (error !== undefined && !this.#reject(error, callback)) return;
    callback();
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
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#failure = undefined;
    callback(error);
  }

  /** Parses one line and pushes its elements; returns the error when it is malformed. */
  #line(line: Buffer, number: number): MetrixError | undefined {
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end > this.maxLineLength) return this.#tooLong(number, line);
    let text = line.toString('utf8', 0, end);
    if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (isBlank(text)) return undefined;
    let parsed: ParsedElement | readonly ParsedElement[] | undefined;
    try {
      parsed = this.parseLine(text);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      return new MetrixError(ErrorCode.MALFORMED_LINE, `${this.#what}: line ${number}: ${reason}`, {
        cause,
        input: { line: number, text: cut(text) } satisfies MalformedLineInput,
      });
    }
    if (parsed === undefined) return undefined;
    if (Array.isArray(parsed)) for (const element of parsed) this.push(element);
    else this.push(parsed);
    return undefined;
  }

  #tooLong(number: number, start: Buffer): MetrixError {
    return new MetrixError(
      ErrorCode.LINE_TOO_LONG,
      `${this.#what}: line ${number} is longer than maxLineLength (${this.maxLineLength} bytes)`,
      { input: { line: number, text: cut(start.toString('utf8', 0, Math.min(start.length, 200))) } },
    );
  }

  /**
   * Handles a malformed line: in `'skip'` mode counts and reports it and returns `true` (go on);
   * in `'error'` mode fails the stream through `callback` — at once when nothing parsed earlier
   * is still unread, otherwise from {@link LineParser.read} once it has been — and returns `false`.
   */
  #reject(error: MetrixError, callback: TransformCallback): boolean {
    if (this.onMalformed === 'skip') {
      this.#malformed++;
      this.emit('malformed', error);
      return true;
    }
    if (this.readableLength === 0) callback(error);
    else this.#failure = { error, callback };
    return false;
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0b && c !== 0x0c) return false;
  }
  return true;
}

function cut(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
