import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';
import type { TextWritable } from './TextWritable.js';
import { LineWriter } from './transport/LineWriter.js';

/**
 * Options of {@link MSinkNDJSON}.
 * @category Sinks
 */
export interface MSinkNDJSONOptions extends MSinkOptions {
  /**
   * Whether the sink ends the writable at end of input (and waits for its `'finish'`). Default
   * `true`, except for `process.stdout` and `process.stderr`, which are never ended — as `pipe()`
   * does.
   */
  end?: boolean;
}

/**
 * A sink that writes one JSON object per line — `{"name":…,"value":…,"tags":{…},"time":…}` and
 * `\n` (newline-delimited JSON) — to any text or byte Writable: a file stream, an HTTP response,
 * `process.stdout`.
 *
 * It honours the writable's backpressure: when `write()` returns `false`, the next element waits
 * for `'drain'`, so a slow disk or client slows the sink (and the coordinator feeding it) instead
 * of growing memory. At end of input it ends the writable (unless `end: false`) and finishes only
 * after the writable's `'finish'`, so once a coordinator's `close()` resolves the file is
 * complete. An `'error'` of the writable fails the sink with that error, unchanged; `destroy()`
 * of the sink destroys a writable it owns (`end` true).
 *
 * `m.sum{host=a}=3 @ 1700000000000` → `{"name":"m.sum","value":3,"tags":{"host":"a"},"time":1700000000000}\n`
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { MCoordinator, MSinkNDJSON, MStream, count } from 'metrix-stream';
 * const mc = new MCoordinator({
 *   mstreams: [new MStream('requests', { agg: count, windowSize: 10 })],
 *   msinks: [new MSinkNDJSON(createWriteStream('metrics.ndjson'))],
 * });
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `writable` is not a writable
 * stream or `options` is not an object.
 * @see {@link MSinkPrinter} for human-readable lines.
 * @category Sinks
 */
export class MSinkNDJSON extends MSink {
  readonly #out: LineWriter;
  readonly #owns: boolean;

  constructor(writable: TextWritable, options: MSinkNDJSONOptions = {}) {
    super(options);
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'MSinkNDJSON(writable, options): options must be an object', {
        input: options,
      });
    }
    const std = writable === (process.stdout as unknown) || writable === (process.stderr as unknown);
    this.#owns = options.end ?? !std;
    this.#out = new LineWriter(writable, this, this.#owns, 'MSinkNDJSON(writable)');
  }

  protected handle(element: MElement): undefined | Promise<void> {
    return this.#out.write(`${JSON.stringify(element)}\n`);
  }

  /** `Infinity`: the sink waits for its writable's reader (a pipe, a socket); that is not a hang. */
  override get stallTimeoutMs(): number {
    return Number.POSITIVE_INFINITY;
  }

  protected override finalize(): Promise<void> {
    return this.#out.end();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#out.release();
    const target = this.#out.target as TextWritable & { destroy?: () => unknown };
    // A file the sink owns must not stay open after the sink is torn down.
    if (this.#owns && target.writableFinished !== true && typeof target.destroy === 'function') target.destroy();
    callback(error);
  }
}
