import type { MetricWindow } from './MetricWindow.js';
import type { Series } from './Series.js';

/** Called with each window or batch a {@link Windowing} closes, in order. */
export type WindowListener = (window: MetricWindow) => void;

/**
 * How values are cut into windows or batches and folded into per-series state: the one
 * per-value step of a stream. {@link ArrivalWindows}, {@link EventWindows} and
 * {@link CountBatches} implement it; the `windowByTime` and `batchByCount` stages and MStream
 * drive the same objects.
 */
export interface Windowing {
  /**
   * Adds one value of `series`. `time` is the element's own time when it has one (ms since the
   * epoch), `undefined` otherwise. May close windows (synchronously, through the listener).
   */
  add(series: Series, value: number, time: number | undefined): void;
  /** End of input: closes every open window that holds a value, in order. */
  flush(): void;
  /**
   * Emits every open window or batch that holds a value now, without ending: a time window is
   * emitted as it stands, stamped with the current time (it is partial), and the rest of its
   * span continues in a fresh accumulation; a batch is emitted short. Nothing is emitted twice.
   */
  flushNow(): void;
  /** Stops any timer; nothing is emitted after it. */
  destroy(): void;
}
