/** What a {@link LineReader} hands its lines to. Each method returns `false` to stop reading. */
export interface LineHandler {
  /** A non-blank line, decoded, without its line ending (nor a leading byte-order mark). */
  line(text: string, number: number): boolean;
  /** A line longer than the limit; `head` is its first bytes (at most 200), for the message. */
  tooLong(number: number, head: Buffer): boolean;
}

const LF = 0x0a;
const CR = 0x0d;
/** One UTF-16 unit is at most 3 UTF-8 bytes: a decoded line shorter than limit / 3 is in bounds. */
const MAX_BYTES_PER_UNIT = 3;

/**
 * Splits bytes into lines, synchronously, for the line parsers and the command's inputs: each
 * chunk is scanned once, the part up to its last newline decoded as one string (not line by
 * line), and every non-blank line handed to a {@link LineHandler} with its 1-based number.
 *
 * Lines end with `\n` or `\r\n`; the last line needs no newline ({@link LineReader.end}). Lines
 * are split on bytes before decoding, so a multi-byte UTF-8 character split across chunks is
 * decoded whole. A UTF-8 byte-order mark at the very start is dropped. Blank lines (empty or
 * whitespace only) are skipped but numbered. A line is at most `maxLineLength` bytes (its line
 * ending not counted): a longer one goes to `tooLong` and is never buffered whole — at most
 * `maxLineLength + 1` bytes of an unfinished line are kept, the rest thrown away up to its newline.
 */
export class LineReader {
  /** The default `maxLineLength`: 1 MiB. */
  static readonly DEFAULT_MAX_LINE_LENGTH: number = 1024 * 1024;
  /** Longest accepted line in bytes. */
  readonly maxLineLength: number;
  /** Bytes of the line not yet ended by a newline. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** True while the rest of an over-long line (already reported) is being thrown away. */
  #discarding = false;
  #lines = 0;

  constructor(maxLineLength: number) {
    this.maxLineLength = maxLineLength;
  }

  /** Lines seen so far (complete lines, blank and malformed ones included). */
  get lineCount(): number {
    return this.#lines;
  }

  /**
   * Reads a chunk: hands every line it completes to `handler`, keeps the unfinished rest.
   * Returns `false` when the handler asked to stop (the rest of the chunk is then dropped).
   */
  write(chunk: Buffer, handler: LineHandler): boolean {
    let start = 0;
    let nl = chunk.indexOf(LF);
    // 1. The line begun in earlier chunks (or being discarded) ends in this one.
    if (nl !== -1 && (this.#pendingBytes > 0 || this.#discarding)) {
      this.#lines++;
      if (this.#discarding) {
        this.#discarding = false;
      } else {
        this.#pending.push(chunk.subarray(0, nl));
        const line = Buffer.concat(this.#pending, this.#pendingBytes + nl);
        this.#pending = [];
        this.#pendingBytes = 0;
        if (!this.#bytes(line, handler)) return false;
      }
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    // 2. The whole lines within this chunk, decoded at once.
    const last = chunk.lastIndexOf(LF);
    if (nl !== -1 && last >= start) {
      const text = chunk.toString('utf8', start, last);
      let from = 0;
      for (;;) {
        const end = text.indexOf('\n', from);
        const stop = end === -1 ? text.length : end;
        this.#lines++;
        if (!this.#text(text, from, stop, handler)) return false;
        if (end === -1) break;
        from = end + 1;
      }
      start = last + 1;
    }
    // 3. The unfinished rest.
    if (start < chunk.length && !this.#discarding) {
      // Copy: the caller may reuse its buffer, and a subarray would pin the whole chunk.
      const rest = Buffer.from(chunk.subarray(start));
      this.#pending.push(rest);
      this.#pendingBytes += rest.length;
      // +1: the line may still end with the `\r` of a `\r\n` that is not counted.
      if (this.#pendingBytes > this.maxLineLength + 1) {
        const head = Buffer.concat(this.#pending).subarray(0, 200);
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#discarding = true;
        return handler.tooLong(this.#lines + 1, head);
      }
    }
    return true;
  }

  /**
   * Ends input: the unfinished last line is handed on as a line — or dropped when `dropTail`
   * (input cut off mid-line). Returns `false` when the handler asked to stop.
   */
  end(handler: LineHandler, dropTail = false): boolean {
    const discarding = this.#discarding;
    this.#discarding = false;
    if (discarding) {
      this.#lines++;
      return true;
    }
    if (this.#pendingBytes === 0) return true;
    const line = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (dropTail) return true;
    this.#lines++;
    return this.#bytes(line, handler);
  }

  /** Forgets the unfinished line (a destroyed input). */
  reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
  }

  #bytes(line: Buffer, handler: LineHandler): boolean {
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end > this.maxLineLength) return handler.tooLong(this.#lines, line.subarray(0, 200));
    const text = line.toString('utf8', 0, end);
    return this.#text(text, 0, text.length, handler);
  }

  /** Hands on `text[from, to)`, a line (maybe ending in `\r`), unless it is blank or too long. */
  #text(text: string, from: number, to: number, handler: LineHandler): boolean {
    if (to > from && text.charCodeAt(to - 1) === 0x0d) to--;
    if (this.#lines === 1 && text.charCodeAt(from) === 0xfeff) from++;
    if (isBlank(text, from, to)) return true;
    const line = from === 0 && to === text.length ? text : text.slice(from, to);
    if (line.length * MAX_BYTES_PER_UNIT > this.maxLineLength && Buffer.byteLength(line) > this.maxLineLength) {
      return handler.tooLong(this.#lines, Buffer.from(line.slice(0, 200)));
    }
    return handler.line(line, this.#lines);
  }
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0b && c !== 0x0c) return false;
  }
  return true;
}
