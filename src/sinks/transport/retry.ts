import { describe } from '../../internal/describe.js';
import { ErrorCode, MetrixError } from '../../MetrixError.js';

/** How a network sink retries a batch the backend did not take. */
export interface RetryOptions {
  /** Delay before the first retry, in ms (default 100). */
  initialDelayMs?: number;
  /** Upper bound of the delay, which doubles after each retry, in ms (default 10 000). */
  maxDelayMs?: number;
  /**
   * Retries of one batch before the sink fails with `ERR_METRIX_BACKEND_UNAVAILABLE` (default 10;
   * `Infinity` retries for ever; `0` never retries).
   */
  maxRetries?: number;
  /**
   * Fraction of each delay drawn at random, between 0 and 1 (default 0.2): a delay of 1000 ms
   * becomes 800-1000 ms, so that many clients do not reconnect in lockstep after an outage.
   */
  jitter?: number;
}

/** {@link RetryOptions} validated and with defaults applied. */
export type RetryPolicy = Readonly<Required<RetryOptions>>;

function nonNegative(v: unknown, what: string, allowInfinity = false): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!allowInfinity && !Number.isFinite(v))) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${what} must be a non-negative ${allowInfinity ? 'number or Infinity' : 'finite number'}, got ${describe(v)}`,
      { input: v },
    );
  }
  return v;
}

/**
 * Validates retry options and applies the defaults.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` naming the bad option.
 */
export function retryPolicy(options: RetryOptions | undefined, what: string): RetryPolicy {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}.retry must be an object, got ${describe(options)}`, {
      input: options,
    });
  }
  const { initialDelayMs = 100, maxDelayMs = 10_000, maxRetries = 10, jitter = 0.2 } = options ?? {};
  nonNegative(initialDelayMs, `${what}.retry.initialDelayMs`);
  nonNegative(maxDelayMs, `${what}.retry.maxDelayMs`);
  nonNegative(maxRetries, `${what}.retry.maxRetries`, true);
  if (Number.isFinite(maxRetries) && !Number.isInteger(maxRetries)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}.retry.maxRetries must be an integer or Infinity, got ${describe(maxRetries)}`,
      { input: maxRetries },
    );
  }
  if (nonNegative(jitter, `${what}.retry.jitter`) > 1) {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}.retry.jitter must be between 0 and 1, got ${jitter}`, {
      input: jitter,
    });
  }
  return Object.freeze({ initialDelayMs, maxDelayMs: Math.max(maxDelayMs, initialDelayMs), maxRetries, jitter });
}

/**
 * The delay before retry number `retry` (1 for the first): `initialDelayMs · 2^(retry-1)`, capped
 * at `maxDelayMs`, minus up to `jitter` of it at random. Never negative, never above the cap.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  // The exponent is capped so that 0 · 2^n stays 0 (2 ** 1024 is Infinity, and 0 · Infinity NaN).
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(0, retry - 1), 1000));
  return Math.round(base * (1 - policy.jitter * random()));
}

/**
 * Resolves after `ms`, or at once with `false` when `signal` aborts (the timer is cleared, so an
 * aborted wait leaves nothing behind). The timer is a normal, referenced one on purpose: a retry
 * that is under way is work the program waits for (a `close()` in progress), and it ends on its
 * own after `maxRetries`.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
