import { describe } from '../../internal/describe.js';
import { settled } from '../../internal/settled.js';
import { ErrorCode, MetrixError } from '../../MetrixError.js';
import type { TextWritable } from '../TextWritable.js';

export type { TextWritable };

/** Whether `x` has what {@link TextWritable} needs. */
export function isTextWritable(x: unknown): x is TextWritable {
  if (x === null || typeof x !== 'object') return false;
  const w = x as Record<string, unknown>;
  return ['write', 'end', 'on', 'once', 'removeListener'].every((m) => typeof w[m] === 'function');
}

/**
 * Writes lines to a target stream for a sink, honouring the target's backpressure: `write()`
 * returns nothing when the target took the line, or a Promise that resolves on its `'drain'` —
 * which the sink returns from `handle()`, so the sink (and everything upstream) waits.
 *
 * An `'error'` of the target, even one that happens between writes (a file that cannot be opened,
 * a closed pipe), destroys the owning sink with that error unchanged, so the failure reaches
 * whoever drives the sink. The listener is removed by {@link LineWriter.release}, so that many
 * sinks over the life of a process do not pile listeners up on `process.stdout`.
 */
export class LineWriter {
  readonly target: TextWritable;
  readonly #owner: { destroy(error?: Error): unknown };
  readonly #endTarget: boolean;
  #error: Error | undefined;
  readonly #onError = (err: Error): void => {
    this.#error ??= err;
    this.#owner.destroy(err);
  };

  /**
   * @param what - How the caller names the target argument in error messages.
   * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `target` is not a writable.
   */
  constructor(target: unknown, owner: { destroy(error?: Error): unknown }, endTarget: boolean, what: string) {
    if (!isTextWritable(target)) {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what} must be a writable stream, got ${describe(target)}`, {
        input: target,
      });
    }
    this.target = target;
    this.#owner = owner;
    this.#endTarget = endTarget;
    target.on('error', this.#onError);
  }

  /**
   * Writes one line (the caller adds the `\n`).
   *
   * @returns `undefined` when the target accepted it, else a Promise that resolves on `'drain'`
   * and rejects when the target fails or closes first.
   * @throws the target's earlier error, or {@link MetrixError} `ERR_METRIX_CLOSED` when the target
   * was ended or destroyed by someone else (a write would be lost).
   */
  write(line: string): undefined | Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    const target = this.target;
    if (target.destroyed === true || target.writableEnded === true) {
      throw new MetrixError(ErrorCode.CLOSED, 'the target stream was ended or destroyed before the sink finished');
    }
    if (target.write(line)) return undefined;
    return this.#settled('drain');
  }

  /**
   * Ends the target when the sink owns it and resolves once the target emitted `'finish'` (its
   * data is flushed); otherwise resolves at once. Then releases the target.
   */
  async end(): Promise<void> {
    try {
      const target = this.target;
      if (this.#endTarget && target.writableFinished !== true) {
        if (this.#error !== undefined) throw this.#error;
        const finished = this.#settled('finish');
        if (target.writableEnded !== true) target.end();
        await finished;
      }
    } finally {
      this.release();
    }
  }

  /** Removes the error listener from the target. Idempotent. */
  release(): void {
    this.target.removeListener('error', this.#onError);
  }

  /** Resolves on `event`; rejects on the target's `'error'` or on a `'close'` that comes first. */
  #settled(event: 'drain' | 'finish'): Promise<void> {
    return settled(
      this.target,
      event,
      () => this.#error ?? new MetrixError(ErrorCode.CLOSED, `the target stream closed before '${event}'`),
    );
  }
}
