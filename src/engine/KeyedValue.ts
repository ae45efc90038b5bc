import { describe } from '../internal/describe.js';
import { isValidTime } from '../internal/validate.js';
import { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { TagsInput } from '../Tags.js';
import { Series } from './Series.js';
import type { SeriesTable } from './SeriesTable.js';

/**
 * A value with its series resolved, as {@link groupByKey} emits it: what a window stage folds
 * into the series' state. `time` is the element's own time, when it had one.
 * @category Stages
 */
export interface KeyedValue {
  readonly series: Series;
  readonly value: number;
  readonly time: number | undefined;
}

/** Whether `chunk` is a {@link KeyedValue}. */
export function isKeyedValue(chunk: unknown): chunk is KeyedValue {
  return chunk !== null && typeof chunk === 'object' && (chunk as KeyedValue).series instanceof Series;
}

/**
 * Throws unless `value` is a finite number.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_VALUE`.
 */
export function checkValue(value: unknown, metric: string): asserts value is number {
  // `v - v` is 0 only for a finite number (NaN for NaN and ±Infinity).
  if (typeof value !== 'number' || value - value !== 0) {
    throw new MetrixError(
      ErrorCode.INVALID_VALUE,
      `value of metric "${metric}" must be a finite number, got ${describe(value)}`,
      {
        input: value,
      },
    );
  }
}

/**
 * Throws unless `time` is `undefined` or a number of ms since the epoch that a `Date` can hold.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_TIME`.
 */
export function checkTime(time: unknown, metric: string): asserts time is number | undefined {
  if (time !== undefined && !isValidTime(time)) {
    throw new MetrixError(
      ErrorCode.INVALID_TIME,
      `time of metric "${metric}" must be a number of milliseconds since the epoch within ±8.64e15, got ${describe(time)}`,
      { input: time },
    );
  }
}

/** Receives a validated value with its series (see {@link addChunk}). */
export type AddValue = (series: Series, value: number, time: number | undefined) => void;

/**
 * Validates one written chunk — a number, an {@link MElement}, a `{ value, tags?, time? }`
 * object or a {@link KeyedValue} — resolves its series in `table` and hands it to `add`: the one
 * check an element gets on its way into a stream. Builds nothing.
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_VALUE`, `ERR_METRIX_INVALID_TAGS`,
 * `ERR_METRIX_INVALID_TIME`, or `ERR_METRIX_INVALID_ELEMENT` for anything else.
 */
export function addChunk(table: SeriesTable, chunk: unknown, metric: string, add: AddValue): void {
  if (typeof chunk === 'number') {
    checkValue(chunk, metric);
    add(table.defaultSeries, chunk, undefined);
  } else if (chunk instanceof MElement) {
    // An MElement was validated when it was made.
    add(table.resolveNormalized(chunk.tags, chunk.key), chunk.value, chunk.time);
  } else if (isKeyedValue(chunk)) {
    // Checked when it was keyed; its series is made this table's own.
    add(table.adopt(chunk.series), chunk.value, chunk.time);
  } else if (chunk !== null && typeof chunk === 'object' && 'value' in chunk) {
    const { value, tags, time } = chunk as { value: unknown; tags?: TagsInput | null; time?: unknown };
    checkValue(value, metric);
    checkTime(time, metric);
    add(tags == null ? table.defaultSeries : table.resolve(tags), value, time);
  } else {
    throw new MetrixError(
      ErrorCode.INVALID_ELEMENT,
      `stream "${metric}" accepts a number, an MElement or { value, tags?, time? }, got ${describe(chunk)}`,
      { input: chunk },
    );
  }
}
