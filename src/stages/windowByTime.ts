import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { type GroupingStage, kAccept } from '../internal/accept.js';
import { positiveNumber, streamOptions } from '../internal/validate.js';
import type { MElement } from '../MElement.js';
import { ErrorCode } from '../MetrixError.js';
import type { ElementBatch, StageOptions } from './types.js';

/**
 * Groups elements into tumbling windows of `seconds`, by arrival time.
 *
 * Windows are aligned to the clock (`[k·w, (k+1)·w)` in milliseconds since the epoch), so they do
 * not drift with the time the stage was made. When a window's timer fires, the stage emits the
 * array of elements received since the previous emission — an empty array when none arrived —
 * with `time` set to the window's end. At end of input it clears its timer and emits the open
 * window when it holds any element, stamped with that window's end. If the event loop was blocked
 * past several window ends, one window is emitted for all of them and the next starts at the
 * current window.
 *
 * The timer keeps the process alive only while the open window holds elements: a program that
 * stops sending gets its last window on time and then exits on its own; an idle one is never held
 * open. `destroy()` clears the timer.
 *
 * `a b | c | (nothing) | d` → `[a, b] [c] [] [d]` (`|` marks a window end)
 *
 * @param seconds - Window length in seconds, a positive number (fractions allowed).
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_GROUPING` when `seconds` is not a positive
 * finite number.
 * @example
 * ```ts
 * import { windowByTime, MElement } from 'metrix-stream';
 * const windows = windowByTime(10);
 * windows.on('data', (w) => console.log(w.length, 'elements until', new Date(w.time)));
 * windows.write(new MElement('requests', 1));
 * windows.end(); // emits the open window at once
 * ```
 * @see {@link batchByCount} to group by count; {@link dropEmpty} to drop the empty windows.
 */
export function windowByTime(seconds: number, options?: StageOptions): Transform {
  positiveNumber(seconds, 'windowByTime(seconds): seconds', ErrorCode.INVALID_GROUPING);
  const windowMs = seconds * 1000;
  let window: MElement[] = [];
  let windowEnd = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const stage = new Transform({
    ...streamOptions(options),
    transform(element: MElement, _encoding: BufferEncoding, callback: TransformCallback) {
      accept(element);
      callback();
    },
    flush(this: Transform, callback: TransformCallback) {
      stopTimer();
      if (window.length > 0) emit();
      callback();
    },
    destroy(error: Error | null, callback: (error: Error | null) => void) {
      stopTimer();
      window = [];
      callback(error);
    },
  }) as GroupingStage;

  function accept(element: MElement): void {
    window.push(element);
    // Only the first element of a window needs to make the timer hold the process open.
    if (window.length === 1 && timer !== undefined) timer.ref();
  }

  function emit(): void {
    const full: ElementBatch = window;
    full.time = windowEnd;
    window = [];
    stage.push(full);
  }

  function schedule(now: number): void {
    windowEnd = (Math.floor(now / windowMs) + 1) * windowMs;
    timer = setTimeout(tick, windowEnd - now);
    if (window.length === 0) timer.unref();
  }

  function tick(): void {
    timer = undefined;
    const now = Date.now();
    // Timers may fire a fraction of a millisecond early (they round); never close a window early.
    if (now < windowEnd) {
      timer = setTimeout(tick, windowEnd - now);
      if (window.length === 0) timer.unref();
      return;
    }
    emit();
    schedule(now);
  }

  function stopTimer(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  stage[kAccept] = accept;
  schedule(Date.now());
  return stage;
}
