import type { Transform } from 'readable-stream';
import { ArrivalWindows } from '../engine/ArrivalWindows.js';
import { EventWindows } from '../engine/EventWindows.js';
import { lateError } from '../engine/lateError.js';
import { describe } from '../internal/describe.js';
import { positiveNumber } from '../internal/validate.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { type WindowStageOptions, windowingStage, windowPlan } from './windowingStage.js';

/**
 * Options of {@link windowByTime}.
 * @category Stages
 */
export interface WindowByTimeOptions extends WindowStageOptions {
  /**
   * Which time chooses a value's window: `'arrival'` (default), when it reaches the stage,
   * windows closed by the clock; `'event'`, the element's own `time`, windows closed by a
   * watermark (latest time seen minus `allowedLateness`).
   */
  windowTime?: 'arrival' | 'event';
  /** With `windowTime: 'event'`: the lateness allowed, in **seconds** (≥ 0, default 0). */
  allowedLateness?: number;
}

/**
 * Folds values into tumbling windows of `seconds` and emits each closed window as a
 * {@link MetricWindow}: per series (tag set), in first-seen order, the states its aggregations
 * read (or the values, when no `agg` is given) — never the elements.
 *
 * Input: {@link KeyedValue}s from {@link groupByKey}, or elements (numbers, {@link MElement}s,
 * `{ value, tags?, time? }`), whose tags the stage resolves itself.
 *
 * Arrival time (default): windows are aligned to the clock (`[k·w, (k+1)·w)` ms since the
 * epoch), so they do not drift. A window closes when its timer fires or when a value arrives
 * after its end (the clock is read every 64 values, so a producer that never yields still gets
 * its windows closed on time); every window is emitted, an empty one (`count` 0) too; if the
 * event loop was blocked past several window ends, one window is emitted for all of them. The
 * timer keeps the process alive only while the open window holds values.
 *
 * Event time: a value goes to the window of its own time; a window closes once the watermark
 * (latest time seen minus `allowedLateness`) passes its end; a value for a closed window is late:
 * the stage emits `'late'` with an `ERR_METRIX_LATE_ELEMENT` error and does not merge it.
 *
 * At end of input, every open window that holds a value is emitted, in order. `destroy()` clears
 * the timer.
 *
 * `a b | c | (nothing) | d` → `W[a, b] W[c] W[] W[d]` (`|` marks a window end)
 *
 * @param seconds - Window length in seconds, a positive number (fractions allowed).
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_GROUPING` when `seconds` is not a positive
 * finite number; `ERR_METRIX_INVALID_ARGUMENT` for a bad option; `ERR_METRIX_INVALID_AGG` for a
 * bad `agg`.
 * @example
 * ```ts
 * import { windowByTime, sum } from 'metrix-stream';
 * const windows = windowByTime(10, { agg: sum });
 * windows.on('data', (w) => console.log(w.count, 'values until', new Date(w.end)));
 * windows.write({ value: 1, tags: { route: '/' } });
 * windows.end(); // emits the open window at once
 * ```
 * @see {@link batchByCount} to group by count; {@link dropEmpty} to drop the empty windows;
 * {@link aggregate} to read them.
 * @category Stages
 */
export function windowByTime(seconds: number, options: WindowByTimeOptions = {}): Transform {
  const windowMs = positiveNumber(seconds, 'windowByTime(seconds): seconds', ErrorCode.INVALID_GROUPING) * 1000;
  const { windowTime = 'arrival', allowedLateness = 0 } = options;
  if (windowTime !== 'arrival' && windowTime !== 'event') {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `windowByTime(seconds, options): windowTime must be 'arrival' or 'event', got ${describe(windowTime)}`,
      { input: windowTime },
    );
  }
  if (options.allowedLateness !== undefined && windowTime !== 'event') {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      "windowByTime(seconds, options): allowedLateness goes with windowTime: 'event' only",
      { input: allowedLateness },
    );
  }
  if (!(typeof allowedLateness === 'number' && allowedLateness >= 0 && allowedLateness < Infinity)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `windowByTime(seconds, options): allowedLateness must be a number of seconds ≥ 0, got ${describe(allowedLateness)}`,
      { input: allowedLateness },
    );
  }
  const plan = windowPlan(options.agg);
  const stage: Transform = windowingStage(options, 'windowByTime', (emit) =>
    windowTime === 'event'
      ? new EventWindows(plan, windowMs, allowedLateness * 1000, emit, (series, value, time) =>
          stage.emit('late', lateError('windowByTime', series, value, time)),
        )
      : new ArrivalWindows(plan, windowMs, emit),
  );
  return stage;
}
