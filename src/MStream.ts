import { Duplex } from 'readable-stream';
import type { AggFunc } from './aggregators/AggFunc.js';
import { toAggregator } from './aggregators/AggFunc.js';
import type { Aggregator } from './aggregators/Aggregator.js';
import { AggregationPlan } from './engine/AggregationPlan.js';
import { ArrivalWindows } from './engine/ArrivalWindows.js';
import { aggregateWindow } from './engine/aggregateWindow.js';
import { CountBatches } from './engine/CountBatches.js';
import { EventWindows } from './engine/EventWindows.js';
import { addChunk, checkTime, checkValue, type KeyedValue } from './engine/KeyedValue.js';
import { lateError } from './engine/lateError.js';
import type { MetricWindow } from './engine/MetricWindow.js';
import type { Series } from './engine/Series.js';
import { SeriesTable } from './engine/SeriesTable.js';
import type { Windowing } from './engine/Windowing.js';
import { describe } from './internal/describe.js';
import { type AggSpec, parseAgg } from './internal/parseAgg.js';
import { settled } from './internal/settled.js';
import { normalizeTags } from './internal/tags.js';
import { positiveInteger, positiveNumber } from './internal/validate.js';
import type { MElement } from './MElement.js';
import { ErrorCode, MetrixError } from './MetrixError.js';
import type { Tags, TagsInput } from './Tags.js';

export type { AggSpec };

/** Options of {@link MStream}. Exactly one of `windowSize` and `batchSize` must be set. */
export interface MStreamOptions {
  /**
   * One aggregation function, an array of them (each named by its `fn.name`), or an object of
   * aggregation name → function. Output elements are named `<stream name>.<aggregation name>`.
   * Built-ins keep one small mergeable state per group; a function of your own is given the
   * group's values, which the window then keeps (8 B each).
   */
  agg: AggSpec;
  /** Tags given to every element; an element's own tags override and extend them. */
  defaultTags?: TagsInput;
  /** Tumbling window length in **seconds** (> 0, fractions allowed). */
  windowSize?: number;
  /** Elements per batch (an integer > 0). */
  batchSize?: number;
  /**
   * Which time chooses an element's window (only with `windowSize`): `'arrival'` (default), the
   * time it reaches the stream, windows closed by the clock; or `'event'`, the element's own
   * `time`, windows closed by a watermark (the latest time seen minus `allowedLateness`).
   */
  windowTime?: 'arrival' | 'event';
  /**
   * With `windowTime: 'event'`: how far, in **seconds** (≥ 0, default 0), an element's time may lag
   * behind the latest time seen and still be merged into its window. Later elements are late:
   * counted and reported by a `'late'` event, never merged.
   */
  allowedLateness?: number;
  /**
   * What an invalid written element does: `'error'` (default) fails the stream with a
   * MetrixError naming the element and the reason, as a pipeline expects; `'drop'` drops it,
   * counts it in {@link MStream.invalidCount} and emits `'invalid'` with that error, so that
   * untrusted input cannot stop the stream. `send()` always throws instead.
   */
  onInvalid?: 'error' | 'drop';
  /**
   * Cardinality limit: distinct tag sets the stream keeps at most (default: no limit). Past it,
   * values of a new tag set fold into one overflow series, tagged `metrix.overflow: 'true'` over
   * the default tags, counted in `stats().overflowed` and reported once per window by a
   * `'cardinalityLimit'` event (`ERR_METRIX_CARDINALITY_LIMIT`). Tag sets idle for a whole window
   * are forgotten, which makes room again. Memory then stays bounded under a tag explosion.
   */
  maxSeries?: number;
  /** Buffer size of the writable and readable sides, in objects (default 16). */
  highWaterMark?: number;
}

/** Options of {@link MStream.send}. */
export interface SendOptions {
  /** Tags of this value, merged over the stream's `defaultTags`. */
  tags?: TagsInput;
  /** Milliseconds since the epoch: the element's own time (event-time windows, batch stamps). */
  time?: number;
}

/** Options of {@link MStream.timer} and {@link MStream.time}. */
export interface TimerOptions {
  /** Multiplier applied to the elapsed seconds (`1000` reports milliseconds). Default `1`. */
  scale?: number;
  /** Tags of the timing value. */
  tags?: TagsInput;
}

/** Options of {@link MTimer.stop}. */
export interface TimerStopOptions {
  /** Tags known only at the end (an outcome, a status code), merged over the timer's own. */
  tags?: TagsInput;
}

/** A running timer: see {@link MStream.timer}. */
export interface MTimer {
  /** Sends the elapsed seconds × scale (the first call only) and returns that value. */
  stop(options?: TimerStopOptions): number;
  /** Same as `stop()`, for `using`. */
  [Symbol.dispose](): void;
}

/** What an MStream's writable side accepts. */
export type MStreamInput = number | MElement | { value: number; tags?: TagsInput | null; time?: number };

/** Counts of an {@link MStream}, from {@link MStream.stats}. */
export interface MStreamStats {
  /** Values accepted (sent or written) and aggregated or still in an open window. */
  readonly in: number;
  /** Aggregated elements emitted. */
  readonly out: number;
  /** Written elements dropped as invalid (`onInvalid: 'drop'`). */
  readonly invalid: number;
  /** Elements that arrived after their event-time window had closed (not merged). */
  readonly late: number;
  /** Aggregates dropped because they were not finite numbers (an overflowing sum). */
  readonly invalidResults: number;
  /** Non-empty windows or batches closed. */
  readonly windows: number;
  /** Series (distinct tag sets) the stream keeps between windows. */
  readonly series: number;
  /** Values folded into the overflow series past `maxSeries`. */
  readonly overflowed: number;
}

/**
 * A stream of metric elements that groups them into tumbling time windows or fixed-count
 * batches, then by distinct tag set, and aggregates each group's values with one or several
 * functions: per window or batch, one element per (aggregation, tag set).
 *
 * Memory is bounded by groups, not elements: each window keeps one small mergeable state per
 * (tag set, state kind) — the built-in aggregators update it as each value arrives — and keeps
 * values only for exact quantiles (8 B each) and functions of your own. See the README's
 * "Architecture".
 *
 * It is an object-mode Duplex made of the stages {@link groupByKey}, then {@link windowByTime} or
 * {@link batchByCount}, {@link dropEmpty}, {@link aggregate} (one per aggregation, joined as
 * {@link zipAggs} joins them) and {@link flatten}, linked by direct calls. Write numbers,
 * {@link MElement}s or `{ value, tags?, time? }` objects — or call {@link MStream.send} — and read
 * aggregated `MElement`s named `<name>.<aggregation>`.
 *
 * Output order within one window or batch: all groups of the first aggregation (groups in the
 * order their tag set was first seen), then all groups of the second, and so on. Output `time`:
 * the window's end for time windows; for count batches, the time of the batch's last element
 * when elements carry their own time, otherwise the time the batch was completed. End of input
 * (`end()` or {@link MStream.close}) emits the partial window or batch (every open window, with
 * event time): nothing is lost. Empty windows produce no output.
 *
 * Events besides the stream ones, each with a MetrixError: `'invalid'` for each element dropped
 * under `onInvalid: 'drop'`; `'late'` (`ERR_METRIX_LATE_ELEMENT`) for each element whose
 * event-time window had closed; `'invalidResult'` (`ERR_METRIX_INVALID_AGG_RESULT`) for each
 * aggregate that was not a finite number and was dropped — the other groups and aggregations of
 * that window are still emitted. An error thrown by an aggregation function of your own fails the
 * stream with that error.
 *
 * `'cardinalityLimit'` (`ERR_METRIX_CARDINALITY_LIMIT`) is emitted once per window in which
 * values of new tag sets were folded into the overflow series (see `maxSeries`).
 *
 * `'window'` is emitted with each closed, non-empty {@link MetricWindow} (its per-series
 * mergeable states) just before its aggregates: what a distributed tier ships. Read it
 * synchronously in the listener and do not change it.
 *
 * `await using mstream = new MStream(…)` closes it (as {@link MStream.close}) at the end of the
 * block. {@link MStream.stats} gives its counts.
 *
 * @example
 * ```ts
 * import { MStream, sum } from 'metrix-stream';
 * const mstream = new MStream('m', { agg: sum, defaultTags: { foo: 'BAR!' }, batchSize: 3 });
 * mstream.on('data', (el) => console.log(String(el)));
 * mstream.send(1);
 * mstream.send(2);
 * mstream.send(1, { tags: { foo: 'bar' } });
 * // MElement(name=m.sum, value=3, tags={"foo":"BAR!"}, …)
 * // MElement(name=m.sum, value=1, tags={"foo":"bar"}, …)
 * await mstream.close();
 * ```
 * @throws {@link MetrixError} at construction: `ERR_METRIX_INVALID_NAME`,
 * `ERR_METRIX_INVALID_AGG`, `ERR_METRIX_INVALID_GROUPING`, `ERR_METRIX_INVALID_TAGS` (bad
 * `defaultTags`), `ERR_METRIX_INVALID_ARGUMENT` (other options).
 */
export class MStream extends Duplex {
  /** Name of the metric; output elements are named `<name>.<aggregation>`. */
  readonly name: string;
  /** Aggregation name → function, in output order. */
  readonly agg: ReadonlyMap<string, AggFunc>;
  /** Tags given to every element (frozen; `{}` when none). */
  readonly defaultTags: Tags;
  /** Window length in seconds, or `undefined` for count batches. */
  readonly windowSize: number | undefined;
  /** Batch size, or `undefined` for time windows. */
  readonly batchSize: number | undefined;
  /** Which time chooses an element's window: `'arrival'` or `'event'` (`undefined` for batches). */
  readonly windowTime: 'arrival' | 'event' | undefined;

  readonly #aggregators: readonly Aggregator[];
  readonly #outputNames: readonly string[];
  readonly #series: SeriesTable;
  readonly #windowing: Windowing;
  readonly #dropInvalid: boolean;
  #in = 0;
  #out = 0;
  #invalid = 0;
  #late = 0;
  #invalidResults = 0;
  #windows = 0;
  #overflowReported = 0;
  /** end() or destroy() was called: send() throws. */
  #ended = false;
  /** A push() since the last send() or write() found the readable side full. */
  #full = false;
  /** send() returned false: emit 'drain' once the readable side is read from. */
  #needDrain = false;
  /** A write held back while the readable side is full. */
  #heldWrite: ((error?: Error | null) => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(name: string, options: MStreamOptions) {
    const hwm = options?.highWaterMark;
    super({ objectMode: true, ...(hwm === undefined ? {} : { highWaterMark: hwm }) });
    if (typeof name !== 'string' || name.length === 0) {
      throw new MetrixError(ErrorCode.INVALID_NAME, `MStream name must be a non-empty string, got ${describe(name)}`, {
        input: name,
      });
    }
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `MStream("${name}", options): options must be an object`, {
        input: options,
      });
    }
    const { agg, defaultTags, windowSize, batchSize, onInvalid = 'error', windowTime, allowedLateness } = options;
    this.name = name;
    this.agg = parseAgg(agg);
    this.defaultTags = normalizeTags(defaultTags);
    if ((windowSize === undefined) === (batchSize === undefined)) {
      throw new MetrixError(
        ErrorCode.INVALID_GROUPING,
        `MStream("${name}"): set exactly one of windowSize (seconds) or batchSize (elements), not ${
          windowSize === undefined ? 'neither' : 'both'
        }`,
      );
    }
    if (onInvalid !== 'error' && onInvalid !== 'drop') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `MStream("${name}"): onInvalid must be 'error' or 'drop'`, {
        input: onInvalid,
      });
    }
    if (
      windowTime !== undefined &&
      (windowSize === undefined || (windowTime !== 'arrival' && windowTime !== 'event'))
    ) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `MStream("${name}"): windowTime must be 'arrival' or 'event', and only with windowSize, got ${describe(windowTime)}`,
        { input: windowTime },
      );
    }
    if (
      allowedLateness !== undefined &&
      (windowTime !== 'event' || !(allowedLateness >= 0 && allowedLateness < Infinity))
    ) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `MStream("${name}"): allowedLateness must be a number of seconds ≥ 0, and only with windowTime: 'event', got ${describe(allowedLateness)}`,
        { input: allowedLateness },
      );
    }
    this.#dropInvalid = onInvalid === 'drop';
    this.windowSize = windowSize;
    this.batchSize = batchSize;
    this.windowTime = windowSize === undefined ? undefined : (windowTime ?? 'arrival');

    this.#aggregators = [...this.agg].map(([aggName, fn]) => toAggregator(aggName, fn));
    this.#outputNames = [...this.agg.keys()].map((aggName) => `${name}.${aggName}`);
    const plan = new AggregationPlan(this.#aggregators);
    const { maxSeries } = options;
    if (maxSeries !== undefined) positiveInteger(maxSeries, `MStream("${name}"): maxSeries`);
    this.#series = new SeriesTable(this.defaultTags, maxSeries === undefined ? {} : { maxSeries });
    const onWindow = (window: MetricWindow) => this.#onWindow(window);
    if (windowSize !== undefined) {
      const ms = positiveNumber(windowSize, `MStream("${name}"): windowSize`, ErrorCode.INVALID_GROUPING) * 1000;
      this.#windowing =
        this.windowTime === 'event'
          ? new EventWindows(plan, ms, (allowedLateness ?? 0) * 1000, onWindow, (series, value, t) =>
              this.#onLate(series, value, t),
            )
          : new ArrivalWindows(plan, ms, onWindow);
    } else {
      positiveInteger(batchSize, `MStream("${name}"): batchSize`, ErrorCode.INVALID_GROUPING);
      this.#windowing = new CountBatches(plan, batchSize as number, onWindow);
    }
  }

  /** Number of invalid elements dropped under `onInvalid: 'drop'`. */
  get invalidCount(): number {
    return this.#invalid;
  }

  /** The stream's counts so far: see {@link MStreamStats}. */
  stats(): MStreamStats {
    return {
      in: this.#in,
      out: this.#out,
      invalid: this.#invalid,
      late: this.#late,
      invalidResults: this.#invalidResults,
      windows: this.#windows,
      series: this.#series.size,
      overflowed: this.#series.overflowed,
    };
  }

  /**
   * Sends one value, like `write()` but synchronous in its checks and without building an
   * element: the value goes straight into its group's state.
   *
   * @returns `false` when this value closed a window whose output filled the readable side's
   * buffer: wait for `'drain'` before sending more if you honour backpressure (as with
   * `write()`).
   * @throws {@link MetrixError} `ERR_METRIX_INVALID_VALUE`, `ERR_METRIX_INVALID_TAGS` or
   * `ERR_METRIX_INVALID_TIME` for invalid input (nothing is sent); `ERR_METRIX_CLOSED` after
   * `end()`/`close()` or `destroy()`.
   */
  send(value: number, options?: SendOptions): boolean {
    if (this.#ended) {
      throw new MetrixError(
        ErrorCode.CLOSED,
        `MStream("${this.name}") is closed; send() after close()/end()/destroy()`,
        {
          input: value,
        },
      );
    }
    let tags: TagsInput | undefined;
    let time: number | undefined;
    if (options !== undefined) {
      tags = options.tags;
      time = options.time;
      if (time !== undefined) checkTime(time, this.name);
    }
    // `v - v` is 0 only for a finite number: the common case costs no call.
    if (typeof value !== 'number' || value - value !== 0) checkValue(value, this.name);
    const table = this.#series;
    const series = tags == null ? table.defaultSeries : table.resolve(tags);
    // Writes queued ahead of this value go first: order is kept.
    if (this.writableLength > 0) return this.write({ series, value, time } satisfies KeyedValue);
    this.#full = false;
    this.#windowing.add(series, value, time);
    this.#in++;
    if (!this.#full) return true;
    this.#needDrain = true;
    return false;
  }

  /**
   * Starts a timer. Its `stop()` sends the elapsed seconds × `scale` once and returns that value;
   * tags known only at the end can be given to `stop({ tags })`. It also supports `using`, which
   * stops it at the end of the block, whether the block throws or not.
   *
   * @example
   * ```ts
   * import { MStream, mean } from 'metrix-stream';
   * const latency = new MStream('latency', { agg: mean, windowSize: 10 });
   * const timer = latency.timer({ scale: 1000, tags: { route: '/home' } }); // milliseconds
   * const res = await fetch('http://127.0.0.1:8080/');
   * timer.stop({ tags: { status: res.status } });
   * ```
   */
  timer(options: TimerOptions = {}): MTimer {
    const { scale = 1, tags } = options;
    if (typeof scale !== 'number' || !Number.isFinite(scale)) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `timer(): scale must be a finite number, got ${describe(scale)}`,
        {
          input: scale,
        },
      );
    }
    if (tags !== undefined) normalizeTags(tags);
    const start = performance.now();
    let elapsed: number | undefined;
    const stop = (stopOptions?: TimerStopOptions): number => {
      if (elapsed === undefined) {
        elapsed = ((performance.now() - start) / 1000) * scale;
        const late = stopOptions?.tags;
        const all = late === undefined ? tags : tags === undefined ? late : { ...tags, ...late };
        this.send(elapsed, all === undefined ? undefined : { tags: all });
      }
      return elapsed;
    };
    return { stop, [Symbol.dispose]: () => void stop() };
  }

  /**
   * Runs `fn` (sync or async), sends its duration in seconds × `scale` — also when it throws or
   * rejects — and returns or rethrows its result.
   *
   * @example
   * ```ts
   * const rows = await queryTime.time(() => db.query('select 1'), { scale: 1000 });
   * ```
   */
  time<T>(fn: () => T, options: TimerOptions = {}): T {
    if (typeof fn !== 'function') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `time(fn): fn must be a function, got ${describe(fn)}`, {
        input: fn,
      });
    }
    const timer = this.timer(options);
    let result: T;
    try {
      result = fn();
    } catch (err) {
      timer.stop();
      throw err;
    }
    if (result !== null && typeof (result as { then?: unknown })?.then === 'function') {
      return (result as unknown as PromiseLike<unknown>).then(
        (value) => {
          timer.stop();
          return value;
        },
        (err: unknown) => {
          timer.stop();
          throw err;
        },
      ) as T;
    }
    timer.stop();
    return result;
  }

  /**
   * Emits the aggregates of the open window or batch now, without ending the stream (as
   * OpenTelemetry's `forceFlush`): a batch comes out short; an arrival-time window comes out as
   * it stands, stamped with the current time, and the values that arrive after it in the same
   * window come out at the window's end as usual; event-time windows come out stamped with their
   * own end (values that arrive later for them start them again). Nothing is emitted twice.
   * Values written but not yet processed (queued writes) are not included.
   */
  flush(): void {
    if (this.destroyed) return;
    try {
      this.#windowing.flushNow();
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  /**
   * Ends input and resolves once everything written or sent before has been aggregated and
   * handed to the readable side (the partial window or batch included). Calling it again returns
   * the same promise. It rejects with the stream's error if the stream fails first.
   *
   * The readable side must be consumed (piped, or read) for this to resolve when the output is
   * larger than its buffer — as with any stream, backpressure holds the rest.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closing = new Promise<void>((resolve, reject) => {
        if (this.writableFinished) return resolve();
        settled(
          this,
          'finish',
          () => new MetrixError(ErrorCode.CLOSED, `MStream("${this.name}") was destroyed before close() completed`),
        ).then(resolve, reject);
        if (!this.writableEnded) this.end();
      });
    }
    return this.#closing;
  }

  /** `MStream(name='m', agg=[sum, max], batchSize=5)` */
  override toString(): string {
    const grouping = this.windowSize !== undefined ? `windowSize=${this.windowSize}` : `batchSize=${this.batchSize}`;
    return `MStream(name='${this.name}', agg=[${[...this.agg.keys()].join(', ')}], ${grouping})`;
  }

  override _write(chunk: MStreamInput, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#full = false;
    try {
      addChunk(this.#series, chunk, this.name, this.#add);
    } catch (err) {
      if (!this.#dropInvalid || !MetrixError.is(err)) {
        callback(err as Error);
        return;
      }
      this.#invalid++;
      this.emit('invalid', err);
    }
    // An aggregation of the user's threw while this value closed a window: destroyed already.
    if (this.#ended && this.destroyed) return;
    // Backpressure: a write whose output filled the readable side is held until it is read
    // from. Only such a write: its push() cleared the readable's `reading` flag, so the next
    // read calls _read(), which releases it. A write that pushed nothing is acknowledged at once
    // (it added to a state, not to the buffer), also when the buffer is full.
    if (this.#full) this.#heldWrite = callback;
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.#windowing.flush();
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (this.destroyed) return;
    this.push(null);
    callback();
  }

  override _read(): void {
    const held = this.#heldWrite;
    if (held !== undefined) {
      this.#heldWrite = undefined;
      held();
    }
    if (this.#needDrain) {
      this.#needDrain = false;
      process.nextTick(() => this.emit('drain'));
    }
  }

  // send() reads its own flag rather than the `writableEnded` and `destroyed` getters: it runs
  // once per value.
  override end(cb?: () => void): this;
  override end(chunk: unknown, cb?: () => void): this;
  override end(chunk: unknown, encoding?: string, cb?: () => void): this;
  override end(...args: unknown[]): this {
    this.#ended = true;
    return (super.end as (...a: unknown[]) => this)(...args);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#ended = true;
    this.#windowing.destroy();
    this.#heldWrite = undefined;
    callback(error);
  }

  /** windowByTime / batchByCount: folds the value into its window's state. */
  readonly #add = (series: Series, value: number, time: number | undefined): void => {
    this.#windowing.add(series, value, time);
    this.#in++;
  };

  /** dropEmpty, aggregate × zipAggs, flatten: one closed window to its elements. */
  #onWindow(window: MetricWindow): void {
    // Between windows no accumulation holds a series of the table: the moment to bound it.
    this.#series.trim();
    const overflowed = this.#series.overflowed;
    if (overflowed > this.#overflowReported) {
      this.emit(
        'cardinalityLimit',
        new MetrixError(
          ErrorCode.CARDINALITY_LIMIT,
          `MStream("${this.name}"): ${overflowed - this.#overflowReported} values of tag sets past maxSeries were folded into the overflow series (metrix.overflow=true)`,
          { input: overflowed - this.#overflowReported },
        ),
      );
      this.#overflowReported = overflowed;
    }
    if (window.count === 0 || this.destroyed) return;
    this.#windows++;
    // The closed window's mergeable states, for whoever ships them (the distributed tier) —
    // read synchronously: the states are consumed (quantile sorts) right after.
    if (this.listenerCount('window') > 0) this.emit('window', window);
    const aggregators = this.#aggregators;
    const names = this.#outputNames;
    try {
      for (let i = 0; i < aggregators.length; i++) {
        aggregateWindow(window, aggregators[i] as Aggregator, names[i] as string, this.#push, this.#reportInvalid);
      }
    } catch (err) {
      // An aggregation function of the user's threw: the stream fails with its error, unchanged.
      this.destroy(err as Error);
    }
  }

  readonly #push = (element: MElement): void => {
    this.#out++;
    if (!this.push(element)) this.#full = true;
  };

  readonly #reportInvalid = (error: MetrixError): void => {
    this.#invalidResults++;
    this.emit('invalidResult', error);
  };

  #onLate(series: Series, value: number, time: number): void {
    this.#late++;
    this.emit('late', lateError(`MStream("${this.name}")`, series, value, time));
  }
}

// `await using mstream = new MStream(…)` closes it at the end of the block, losing nothing;
// readable-stream's own disposal would destroy it. (Its types declare the member `never`, which
// `await using` accepts, so it is set here rather than declared in the class.)
Object.defineProperty(MStream.prototype, Symbol.asyncDispose, {
  value(this: MStream): Promise<void> {
    return this.close();
  },
  writable: true,
  configurable: true,
});
