import type { CloseOptions } from '../MCoordinatorOptions.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { describe } from './describe.js';

/**
 * The deadline of a coordinator's `close()`: a timer and/or an AbortSignal, whichever comes
 * first, calling `onDeadline(why)` once. More can be armed by later `close()` calls (the
 * earliest wins); `clear()` drops every timer and signal listener, so a close that ends in time,
 * or a destroy, leaves nothing behind.
 */
export class CloseDeadline {
  readonly #onDeadline: (why: string) => void;
  #cleanups: (() => void)[] = [];
  #why: string | undefined;

  constructor(onDeadline: (why: string) => void) {
    this.#onDeadline = onDeadline;
  }

  /** Why the deadline passed, once it has. */
  get why(): string | undefined {
    return this.#why;
  }

  /** Arms what `options` ask for (validated by {@link closeOptions} first). */
  arm({ timeoutMs, signal }: CloseOptions): void {
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#pass('its signal was aborted');
        return;
      }
      const onAbort = () => this.#pass('its signal was aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      this.#cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    if (timeoutMs !== undefined) {
      if (timeoutMs === 0) {
        this.#pass('its 0 ms deadline passed');
        return;
      }
      // Referenced: the program awaits this close, and the deadline is what bounds it.
      const timer = setTimeout(() => this.#pass(`its ${timeoutMs} ms deadline passed`), timeoutMs);
      this.#cleanups.push(() => clearTimeout(timer));
    }
  }

  /** Clears every timer and listener; the deadline can no longer pass. */
  clear(): void {
    const cleanups = this.#cleanups;
    this.#cleanups = [];
    for (const cleanup of cleanups) cleanup();
  }

  #pass(why: string): void {
    if (this.#why !== undefined) return;
    this.#why = why;
    this.clear();
    this.#onDeadline(why);
  }
}

/**
 * Validates `close()`'s options.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for options that are not an object,
 * a `timeoutMs` that is not a non-negative finite number, or a `signal` that is not an AbortSignal.
 */
export function closeOptions(options: CloseOptions): CloseOptions {
  if (options === null || typeof options !== 'object') {
    throw invalid(`close(options): options must be an object, got ${describe(options)}`, options);
  }
  const { timeoutMs, signal } = options;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    throw invalid(
      `close({ timeoutMs }) must be a non-negative finite number of ms, got ${describe(timeoutMs)}`,
      timeoutMs,
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalid(`close({ signal }) must be an AbortSignal, got ${describe(signal)}`, signal);
  }
  return { timeoutMs, signal };
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_ARGUMENT, message, { input });
}
