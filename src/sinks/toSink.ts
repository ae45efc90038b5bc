import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink } from './MSink.js';

/**
 * A plain function used as a sink: called once per element; a returned Promise is awaited.
 * @category Sinks
 */
export type MSinkFunction = (element: MElement) => void | Promise<void>;

/**
 * The part of an object-mode Writable a coordinator uses (Node's `stream.Writable`, a
 * readable-stream Writable, an {@link MSink}).
 * @category Sinks
 */
export interface ObjectWritable {
  write(chunk: MElement, callback?: (error?: Error | null) => void): boolean;
  end(): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: listener signatures differ between stream flavours
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  once(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  destroy(error?: Error): unknown;
  readonly writableObjectMode: boolean;
}

/**
 * Anything accepted where a sink is: an {@link MSink}, any object-mode Writable, or a function.
 * @category Sinks
 */
export type MSinkLike = MSink | ObjectWritable | MSinkFunction;

/**
 * Adapts a sink argument to an object-mode Writable of elements.
 *
 * - An {@link MSink} or any object-mode Writable (Node's or readable-stream's, by duck typing) is
 *   returned as it is.
 * - A function `(element) => void | Promise<void>` is wrapped in an MSink that calls it once per
 *   element, in order, never concurrently: a returned Promise is awaited before the next element
 *   (backpressure); a throw or a rejection fails the sink with that error, unchanged.
 *
 * @example
 * ```ts
 * import { toSink, type MElement } from 'metrix-stream';
 * const received: MElement[] = [];
 * const sink = toSink((element) => {
 *   received.push(element);
 * });
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_SINK` for anything else: a Writable that is not
 * in object mode (wrap a byte stream in {@link MSinkNDJSON}), one already ended or destroyed,
 * or a value that is neither a function nor a Writable.
 * @see {@link MSink} to write a sink class; {@link MCoordinator.addMSink}.
 * @category Sinks
 */
export function toSink(sink: MSinkLike): ObjectWritable {
  if (typeof sink === 'function') return new MSinkFromFunction(sink);
  const w = sink as unknown as Record<string, unknown> | null;
  const isWritable =
    w !== null &&
    typeof w === 'object' &&
    ['write', 'end', 'on', 'once', 'removeListener', 'destroy'].every((m) => typeof w[m] === 'function');
  if (!isWritable) {
    throw new MetrixError(
      ErrorCode.INVALID_SINK,
      `a sink must be an MSink, an object-mode Writable or a function, got ${describe(sink)}`,
      { input: sink },
    );
  }
  if (w.writableObjectMode !== true) {
    throw new MetrixError(
      ErrorCode.INVALID_SINK,
      'a Writable used as a sink must be in object mode (it receives MElement objects); wrap a byte stream in MSinkNDJSON',
      { input: sink },
    );
  }
  if (w.writableEnded === true || w.destroyed === true) {
    throw new MetrixError(ErrorCode.INVALID_SINK, 'a Writable used as a sink was already ended or destroyed', {
      input: sink,
    });
  }
  return sink as ObjectWritable;
}

/** The MSink a function becomes; named after the function for `toString()` and graphs. */
class MSinkFromFunction extends MSink {
  readonly #fn: MSinkFunction;

  constructor(fn: MSinkFunction) {
    super();
    this.#fn = fn;
  }

  protected handle(element: MElement): void | Promise<void> {
    return this.#fn(element);
  }

  override toString(): string {
    return `function ${this.#fn.name || '(anonymous)'}`;
  }
}
