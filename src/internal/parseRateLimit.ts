import { ErrorCode, MetrixError } from '../MetrixError.js';
import { describe } from './describe.js';

/** A rate limit as users give it: seconds between two elements; `null`, `undefined` or `0` = none. */
export type RateLimit = number | null | undefined;

/**
 * Validates one rate limit and returns it in milliseconds (`0` = none).
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_RATE_LIMIT` for a negative, non-finite or
 * non-number value.
 */
export function rateLimitMs(value: unknown, what: string): number {
  if (value === null || value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MetrixError(
      ErrorCode.INVALID_RATE_LIMIT,
      `${what} must be a non-negative finite number of seconds, null or undefined, got ${describe(value)}`,
      { input: value },
    );
  }
  return value * 1000;
}

/**
 * Validates the coordinator's `rateLimit` option against the number of sinks it is built with
 * and returns one limit in milliseconds per sink, plus the default for sinks added later (the
 * single number when one was given, otherwise none).
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_RATE_LIMIT` for an array whose length differs
 * from `sinkCount`, or any entry (or the single value) that {@link rateLimitMs} rejects.
 */
export function parseRateLimit(option: unknown, sinkCount: number): { perSink: number[]; defaultMs: number } {
  if (Array.isArray(option)) {
    if (option.length !== sinkCount) {
      throw new MetrixError(
        ErrorCode.INVALID_RATE_LIMIT,
        `rateLimit has ${option.length} entries but there are ${sinkCount} sinks; give one entry per sink or one number for all`,
        { input: option },
      );
    }
    return { perSink: option.map((v, i) => rateLimitMs(v, `rateLimit[${i}]`)), defaultMs: 0 };
  }
  const ms = rateLimitMs(option, 'rateLimit');
  return { perSink: new Array<number>(sinkCount).fill(ms), defaultMs: ms };
}
