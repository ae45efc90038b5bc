import { describe } from '../internal/describe.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';

/** The largest time a `Date` can hold, in milliseconds either side of the epoch. */
const MAX_TIME = 8.64e15;

/**
 * Checks a timestamp read from input: milliseconds since the epoch, a finite number that a
 * `Date` can represent (`|t| <= 8.64e15`, about 275 000 years): `1e300` or a time whose
 * `new Date(t)` is invalid would only fail later, far from the line that carried it.
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_TIME` naming `what`.
 */
export function validTime(time: unknown, what: string): number {
  if (typeof time !== 'number' || !(Math.abs(time) <= MAX_TIME)) {
    throw new MetrixError(
      ErrorCode.INVALID_TIME,
      `${what} must be a finite number of milliseconds since the epoch within ±8.64e15 (what a Date holds), got ${describe(time)}`,
      { input: time },
    );
  }
  return time;
}
