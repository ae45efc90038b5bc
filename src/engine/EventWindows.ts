import { MAX_TIME_MS } from '../internal/validate.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { Accumulation } from './Accumulation.js';
import type { AggregationPlan } from './AggregationPlan.js';
import type { Series } from './Series.js';
import type { Windowing, WindowListener } from './Windowing.js';

/** Called for a value whose window the watermark had already closed; it is not merged. */
export type LateListener = (series: Series, value: number, time: number) => void;

/**
 * Tumbling windows by event time: a value goes to the window of its own time
 * (`[k·w, (k+1)·w)` ms since the epoch; values without a time are stamped with the clock on
 * arrival). The watermark is the latest time seen minus the allowed lateness; a window closes,
 * in start order, once its end is at or before the watermark, and a value for a closed window is
 * late: reported to the late listener, never merged. End of input closes every open window in
 * order. No timer: windows close only as times advance or at end of input.
 *
 * A value whose window would end past the last time a `Date` holds is refused with
 * `ERR_METRIX_INVALID_TIME` (thrown by `add`, before anything changes).
 */
export class EventWindows implements Windowing {
  readonly #plan: AggregationPlan;
  readonly #windowMs: number;
  readonly #latenessMs: number;
  readonly #emit: WindowListener;
  readonly #late: LateListener;
  /** Open windows, by start, in start order (few: the lateness spans a few windows). */
  readonly #open: Accumulation[] = [];
  /** The window the last value went to: most values go to the same one as the one before. */
  #last: Accumulation | undefined;
  #maxTime = Number.NEGATIVE_INFINITY;
  /** Windows that end at or before this are closed. */
  #closedUpTo = Number.NEGATIVE_INFINITY;

  constructor(plan: AggregationPlan, windowMs: number, latenessMs: number, emit: WindowListener, late: LateListener) {
    this.#plan = plan;
    this.#windowMs = windowMs;
    this.#latenessMs = latenessMs;
    this.#emit = emit;
    this.#late = late;
  }

  add(series: Series, value: number, time: number | undefined): void {
    const t = time ?? Date.now();
    let acc = this.#last;
    if (acc === undefined || t < (acc.start as number) || t >= (acc.end as number)) {
      const w = this.#windowMs;
      const start = Math.floor(t / w) * w;
      // Its window's end must be a time too: it stamps the window's aggregates.
      if (start + w > MAX_TIME_MS) {
        throw new MetrixError(
          ErrorCode.INVALID_TIME,
          `a value at ${t} ms falls in a window ending past ${MAX_TIME_MS} ms, the last time a Date can hold`,
          { input: t },
        );
      }
      if (start + w <= this.#closedUpTo) {
        this.#late(series, value, t);
        return;
      }
      acc = this.#windowAt(start);
      this.#last = acc;
    }
    acc.add(series, value);
    if (t > this.#maxTime) {
      this.#maxTime = t;
      this.#advance(t - this.#latenessMs);
    }
  }

  flush(): void {
    const open = this.#open.splice(0);
    this.#last = undefined;
    for (const acc of open) this.#emit(acc.close(acc.end as number));
  }

  flushNow(): void {
    // Event-time windows are stamped with their own end, partial or not; a later value of the
    // same window starts it again (a second, later output for it).
    this.flush();
  }

  destroy(): void {
    this.#open.length = 0;
    this.#last = undefined;
  }

  /** Closes the windows that end at or before `watermark`; later values for them are late. */
  #advance(watermark: number): void {
    const boundary = Math.floor(watermark / this.#windowMs) * this.#windowMs;
    if (boundary <= this.#closedUpTo) return;
    this.#closedUpTo = boundary;
    const open = this.#open;
    let n = 0;
    while (n < open.length && ((open[n] as Accumulation).end as number) <= boundary) n++;
    if (n === 0) return;
    const closed = open.splice(0, n);
    if (this.#last !== undefined && closed.includes(this.#last)) this.#last = undefined;
    for (const acc of closed) this.#emit(acc.close(acc.end as number));
  }

  #windowAt(start: number): Accumulation {
    const open = this.#open;
    let i = open.length;
    while (i > 0 && ((open[i - 1] as Accumulation).start as number) > start) i--;
    const before = open[i - 1];
    if (before !== undefined && before.start === start) return before;
    const acc = new Accumulation(this.#plan, start, start + this.#windowMs, false);
    open.splice(i, 0, acc);
    return acc;
  }
}
