/**
 * Every stable error code metrix-stream uses. Tests and callers compare `err.code` with these,
 * never the message, which may be improved at any time.
 * @category Errors
 */
export const ErrorCode = {
  /** A constructor or function argument is missing, of the wrong type or out of range. */
  INVALID_ARGUMENT: 'ERR_METRIX_INVALID_ARGUMENT',
  /** A metric name is not a non-empty string. */
  INVALID_NAME: 'ERR_METRIX_INVALID_NAME',
  /** A metric value is not a finite number. */
  INVALID_VALUE: 'ERR_METRIX_INVALID_VALUE',
  /** Tags are not a flat map of string, number or boolean values. */
  INVALID_TAGS: 'ERR_METRIX_INVALID_TAGS',
  /** A timestamp is not a finite number of milliseconds since the epoch. */
  INVALID_TIME: 'ERR_METRIX_INVALID_TIME',
  /** Something written to a stream is neither a number, an MElement nor an element object. */
  INVALID_ELEMENT: 'ERR_METRIX_INVALID_ELEMENT',
  /** `agg` is not a function, a non-empty array of named functions or a map of them. */
  INVALID_AGG: 'ERR_METRIX_INVALID_AGG',
  /** An aggregation function returned something other than a finite number. */
  INVALID_AGG_RESULT: 'ERR_METRIX_INVALID_AGG_RESULT',
  /** Neither or both of `windowSize`/`batchSize`, or one that is not a positive number. */
  INVALID_GROUPING: 'ERR_METRIX_INVALID_GROUPING',
  /** A logger sink's format does not contain exactly one `%s`. */
  INVALID_FORMAT: 'ERR_METRIX_INVALID_FORMAT',
  /** A rate limit is negative, of the wrong type, or the list's length differs from the sinks'. */
  INVALID_RATE_LIMIT: 'ERR_METRIX_INVALID_RATE_LIMIT',
  /** Something is not usable as a sink (a function, an object-mode Writable or an MSink). */
  INVALID_SINK: 'ERR_METRIX_INVALID_SINK',
  /** No stream is registered under the metric name an element was addressed to. */
  UNKNOWN_METRIC: 'ERR_METRIX_UNKNOWN_METRIC',
  /** Two streams were registered under one name. */
  DUPLICATE_METRIC: 'ERR_METRIX_DUPLICATE_METRIC',
  /** `send()`/`write()` after `close()` or `end()`. */
  CLOSED: 'ERR_METRIX_CLOSED',
  /** A sink failed to handle an element; the sink's own error is the `cause`. */
  SINK_FAILED: 'ERR_METRIX_SINK_FAILED',
  /** A line of input could not be parsed (bad JSON, bad StatsD syntax, missing fields). */
  MALFORMED_LINE: 'ERR_METRIX_MALFORMED_LINE',
  /** A line of input is longer than the parser's `maxLineLength`. */
  LINE_TOO_LONG: 'ERR_METRIX_LINE_TOO_LONG',
  /** A backend rejected data with an answer that retrying cannot change (an HTTP 4xx). */
  BACKEND_REJECTED: 'ERR_METRIX_BACKEND_REJECTED',
  /** A backend stayed unreachable or failing after every retry. */
  BACKEND_UNAVAILABLE: 'ERR_METRIX_BACKEND_UNAVAILABLE',
  /** An aggregation state's JSON form is malformed, of another kind or of an unknown version. */
  INVALID_STATE: 'ERR_METRIX_INVALID_STATE',
  /** An element arrived for an event-time window the watermark had already closed. */
  LATE_ELEMENT: 'ERR_METRIX_LATE_ELEMENT',
  /** A new series went past a cardinality limit: a tag set folded into its stream's overflow series, or a new stream name dropped. */
  CARDINALITY_LIMIT: 'ERR_METRIX_CARDINALITY_LIMIT',
  /** A sink made no progress for longer than its stall timeout and was detached. */
  SINK_STALLED: 'ERR_METRIX_SINK_STALLED',
  /** `close()` reached its deadline before everything was delivered; the error counts what was not. */
  CLOSE_TIMEOUT: 'ERR_METRIX_CLOSE_TIMEOUT',
} as const;

/**
 * One of the stable `ERR_METRIX_*` codes.
 * @category Errors
 */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Options of {@link MetrixError}.
 * @category Errors
 */
export interface MetrixErrorOptions {
  /** The underlying error, when this one wraps another (a sink's failure, say). */
  cause?: unknown;
  /** The input that was rejected (an element, a line, an argument value), for diagnostics. */
  input?: unknown;
}

/**
 * The one error class of metrix-stream. Its `code` is stable and is what programs should test;
 * the message is for people and names the argument or input and the reason.
 *
 * @example
 * ```ts
 * import { MetrixError, ErrorCode, MElement } from 'metrix-stream';
 * try {
 *   new MElement('latency', Number.NaN);
 * } catch (err) {
 *   if (MetrixError.is(err, ErrorCode.INVALID_VALUE)) console.error(err.message);
 * }
 * ```
 * @category Errors
 */
export class MetrixError extends Error {
  /** The stable `ERR_METRIX_*` code. */
  readonly code: ErrorCodeValue;
  /** The rejected input, when there is one. */
  declare readonly input?: unknown;

  constructor(code: ErrorCodeValue, message: string, options: MetrixErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MetrixError';
    this.code = code;
    if ('input' in options) this.input = options.input;
  }

  /** Whether `err` is a MetrixError, and when `code` is given, one with that code. */
  static is(err: unknown, code?: ErrorCodeValue): err is MetrixError {
    return err instanceof MetrixError && (code === undefined || err.code === code);
  }
}
