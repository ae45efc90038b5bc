import { ErrorCode, type ErrorCodeValue, MetrixError } from '../MetrixError.js';

/** Throws unless `n` is a positive integer. */
export function positiveInteger(n: unknown, what: string, code: ErrorCodeValue = ErrorCode.INVALID_ARGUMENT): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new MetrixError(code, `${what} must be a positive integer, got ${String(n)}`, { input: n });
  }
  return n;
}

/** Throws unless `n` is a positive finite number. */
export function positiveNumber(n: unknown, what: string, code: ErrorCodeValue = ErrorCode.INVALID_ARGUMENT): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new MetrixError(code, `${what} must be a positive finite number, got ${String(n)}`, { input: n });
  }
  return n;
}

/** Validates a stage's `highWaterMark` option and builds the Transform options for it. */
export function streamOptions(options: { highWaterMark?: number } | undefined): {
  objectMode: true;
  highWaterMark?: number;
} {
  const hwm = options?.highWaterMark;
  if (hwm === undefined) return { objectMode: true };
  if (typeof hwm !== 'number' || !Number.isInteger(hwm) || hwm < 0) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `highWaterMark must be a non-negative integer, got ${String(hwm)}`,
      {
        input: hwm,
      },
    );
  }
  return { objectMode: true, highWaterMark: hwm };
}

/** The largest |time| a `Date` can hold, in ms since the epoch (±273,790 years). */
export const MAX_TIME_MS = 8.64e15;

/** Whether `t` is a usable element time: a number of ms since the epoch that a `Date` can hold. */
export function isValidTime(t: unknown): t is number {
  return typeof t === 'number' && t >= -MAX_TIME_MS && t <= MAX_TIME_MS;
}
