import { Accumulation } from './Accumulation.js';
import type { AggregationPlan } from './AggregationPlan.js';
import type { Series } from './Series.js';
import type { Windowing, WindowListener } from './Windowing.js';

/** setTimeout's largest delay; a longer one fires at once (with a warning) and would spin. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * Values added between two clock reads while adding (a power of two): a producer that sends in
 * a loop without yielding, so that no timer can fire, still has its window closed within this
 * many values of its end, for one clock read per this many values.
 */
const CHECK_EVERY = 64;

/**
 * Tumbling windows by arrival time, aligned to the clock (`[k·w, (k+1)·w)` ms since the epoch).
 * A window closes when a timer fires at its end, or when a value is added after its end (the
 * clock is read every {@link CHECK_EVERY} values), whichever comes first; an element's own time
 * does not choose its window. Every window is emitted, empty ones too (count 0). If the event
 * loop was blocked past several window ends, one window is emitted for all of them and the next
 * starts at the current window.
 *
 * The timer holds the process open only while the open window holds values.
 */
export class ArrivalWindows implements Windowing {
  readonly #plan: AggregationPlan;
  readonly #windowMs: number;
  readonly #emit: WindowListener;
  #acc: Accumulation;
  #sinceCheck = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;

  constructor(plan: AggregationPlan, windowMs: number, emit: WindowListener) {
    this.#plan = plan;
    this.#windowMs = windowMs;
    this.#emit = emit;
    this.#acc = this.#open(Date.now());
  }

  add(series: Series, value: number, _time: number | undefined): void {
    if ((++this.#sinceCheck & (CHECK_EVERY - 1)) === 0) this.#check(Date.now());
    const acc = this.#acc;
    acc.add(series, value);
    // Only the first value of a window needs the timer to hold the process open.
    if (acc.count === 1) this.#timer?.ref();
  }

  flush(): void {
    this.#stopTimer();
    if (this.#acc.count > 0) this.#emit(this.#acc.close(this.#acc.end as number));
  }

  flushNow(): void {
    const acc = this.#acc;
    if (acc.count === 0) return;
    // The rest of the span goes on in a fresh accumulation with the same bounds and timer.
    this.#acc = new Accumulation(this.#plan, acc.start, acc.end);
    this.#timer?.unref();
    this.#emit(acc.close(Math.min(Date.now(), acc.end as number)));
  }

  destroy(): void {
    this.#destroyed = true;
    this.#stopTimer();
  }

  /** Closes the open window if `now` is past its end, and opens the current one. */
  #check(now: number): void {
    const acc = this.#acc;
    if (now < (acc.end as number)) return;
    this.#stopTimer();
    this.#acc = this.#open(now);
    this.#emit(acc.close(acc.end as number));
  }

  #open(now: number): Accumulation {
    const w = this.#windowMs;
    const start = Math.floor(now / w) * w;
    const acc = new Accumulation(this.#plan, start, start + w);
    if (!this.#destroyed) this.#schedule(acc, now);
    return acc;
  }

  #schedule(acc: Accumulation, now: number): void {
    this.#timer = setTimeout(() => this.#tick(), Math.min((acc.end as number) - now, MAX_TIMER_MS));
    if (acc.count === 0) this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    const now = Date.now();
    // Timers may fire a fraction of a millisecond early (they round), and a long window is
    // waited for in several steps: never close a window early.
    if (now < (this.#acc.end as number)) this.#schedule(this.#acc, now);
    else this.#check(now);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
