/**
 * The part of a text or byte Writable that {@link MSinkPrinter} and {@link MSinkNDJSON} use:
 * `process.stdout`, a file stream from `fs.createWriteStream`, an HTTP response, a Node or
 * readable-stream Writable all fit.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import type { TextWritable } from 'metrix-stream';
 * const file: TextWritable = createWriteStream('metrics.ndjson');
 * ```
 * @category Sinks
 */
export interface TextWritable {
  /** Writes a chunk; `false` asks the writer to wait for `'drain'`. */
  write(chunk: string): boolean;
  /** Ends the stream. */
  end(): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: listener signatures differ between stream flavours
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  once(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
  readonly writableFinished?: boolean;
}
