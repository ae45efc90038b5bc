import { Writable } from 'readable-stream';
import { streamOptions } from '../internal/validate.js';
import type { MElement } from '../MElement.js';

/**
 * Options of {@link MSink}.
 * @category Sinks
 */
export interface MSinkOptions {
  /** Elements buffered before `write()` returns `false` (default 16). */
  highWaterMark?: number;
}

/**
 * Base class of sinks: an object-mode Writable of aggregated {@link MElement}s.
 *
 * A subclass implements {@link MSink.handle}, called once per element, in order, never
 * concurrently. When it returns a Promise the next element waits for it: that is the
 * backpressure — a slow sink makes `write()` return `false` once `highWaterMark` elements are
 * queued. A thrown error or a rejected Promise fails the sink (`'error'`, unchanged). Override
 * {@link MSink.finalize} to flush and release resources at end of input.
 *
 * @example
 * ```ts
 * import { MSink, type MElement } from 'metrix-stream';
 *
 * class MSinkArray extends MSink {
 *   readonly received: MElement[] = [];
 *   protected handle(element: MElement): void {
 *     this.received.push(element);
 *   }
 * }
 * ```
 * @category Sinks
 */
export abstract class MSink extends Writable {
  constructor(options: MSinkOptions = {}) {
    super(streamOptions(options));
  }

  /**
   * The finest time resolution the sink keeps, in milliseconds: `1` by default, `1000` for
   * protocols with whole-second timestamps. A coordinator warns when a stream's window is shorter.
   */
  get timeResolutionMs(): number {
    return 1;
  }

  /**
   * How long, in ms, this sink may owe a coordinator an answer without a sign of life before the
   * coordinator takes it for hung (see `MCoordinatorOptions.stallTimeoutMs`). `undefined`
   * (default): the coordinator's default, 60 s. Sinks whose pace is legitimately slower override
   * it: a local output waits for its reader ({@link MSinkPrinter}, {@link MSinkNDJSON}:
   * `Infinity`), a network sink for its own timeouts. An explicit `stallTimeoutMs` given to the
   * coordinator, or to `addMSink`, takes precedence.
   */
  get stallTimeoutMs(): number | undefined {
    return undefined;
  }

  /**
   * Elements this sink acknowledged (their write called back) but has not delivered to where it
   * sends them: held in a batch now, or lost when it failed or was destroyed. `0` for a sink that
   * is done with an element once `handle()` settles; {@link MSinkNetwork} overrides it. A
   * coordinator that detaches the sink counts these as undelivered.
   */
  get undeliveredCount(): number {
    return 0;
  }

  /** Handles one element; may return a Promise, which is awaited before the next element. */
  protected abstract handle(element: MElement): void | Promise<void>;

  /** Called once after the last element was handled, before `'finish'`; may return a Promise. */
  protected finalize(): void | Promise<void> {}

  /** The sink's class name, e.g. `MSinkPrinter`. */
  override toString(): string {
    return this.constructor.name;
  }

  override _write(element: MElement, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    settle(() => this.handle(element), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    settle(() => this.finalize(), callback);
  }
}

/** Runs `fn`; calls `callback` with its error, at once when sync, after its Promise when async. */
function settle(fn: () => void | Promise<void>, callback: (error?: Error | null) => void): void {
  let result: void | Promise<void>;
  try {
    result = fn();
  } catch (err) {
    callback(err as Error);
    return;
  }
  if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
    (result as Promise<void>).then(
      () => callback(),
      (err: unknown) => callback(err as Error),
    );
  } else {
    callback();
  }
}
