import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';
import type { TextWritable } from './TextWritable.js';
import { LineWriter } from './transport/LineWriter.js';

/**
 * Options of {@link MSinkPrinter}.
 * @category Sinks
 */
export interface MSinkPrinterOptions extends MSinkOptions {
  /** Where the lines go; default `process.stdout`. The sink never ends this stream. */
  stream?: TextWritable;
}

/**
 * A sink that prints one line per element — the element's `toString()` and `\n` — to
 * `process.stdout` or the given stream.
 *
 * It honours the stream's backpressure: when the stream's `write()` returns `false`, the next
 * element waits for `'drain'`. At end of input it does not end the stream (a printer shares
 * stdout with the rest of the program); use {@link MSinkNDJSON} to own a file. An `'error'` of
 * the stream fails the sink with that error, unchanged.
 *
 * `m.sum{foo=bar}=3` → `MElement(name=m.sum, value=3, tags={"foo":"bar"}, time=2026-…Z)\n`
 *
 * @example
 * ```ts
 * import { MCoordinator, MSinkPrinter, MStream, sum } from 'metrix-stream';
 * const mc = new MCoordinator({
 *   mstreams: [new MStream('bytes', { agg: sum, batchSize: 10 })],
 *   msinks: [new MSinkPrinter()],
 * });
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `options` is not an object or
 * `stream` is not a writable stream.
 * @see {@link MSinkLogger} for a logger, {@link MSinkNDJSON} for machine-readable lines.
 * @category Sinks
 */
export class MSinkPrinter extends MSink {
  readonly #out: LineWriter;

  constructor(options: MSinkPrinterOptions = {}) {
    super(options);
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'MSinkPrinter(options): options must be an object', {
        input: options,
      });
    }
    this.#out = new LineWriter(options.stream ?? process.stdout, this, false, 'MSinkPrinter({ stream })');
  }

  protected handle(element: MElement): undefined | Promise<void> {
    return this.#out.write(`${element.toString()}\n`);
  }

  /** `Infinity`: a printer waits for its reader (a paused pager, say); that is not a hang. */
  override get stallTimeoutMs(): number {
    return Number.POSITIVE_INFINITY;
  }

  protected override finalize(): void {
    this.#out.release();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#out.release();
    callback(error);
  }
}
