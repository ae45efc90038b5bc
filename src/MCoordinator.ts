import { Writable } from 'readable-stream';
import { CloseDeadline, closeOptions } from './internal/CloseDeadline.js';
import { coordinatorDot } from './internal/coordinatorDot.js';
import { coordinatorOptions, stallTimeout } from './internal/coordinatorOptions.js';
import { describe } from './internal/describe.js';
import { rateLimitMs } from './internal/parseRateLimit.js';
import { SinkLane, type SinkLaneHooks } from './internal/SinkLane.js';
import { settled } from './internal/settled.js';
import { sinkLabel } from './internal/sinkLabel.js';
import { streamOptions } from './internal/validate.js';
import type {
  AddMSinkOptions,
  CloseOptions,
  MCoordinatorInput,
  MCoordinatorOnUnknown,
  MCoordinatorOptions,
} from './MCoordinatorOptions.js';
import type { MCoordinatorStats, MetrixDeliveryError, MSinkState, SinkUndelivered } from './MCoordinatorStats.js';
import { MElement, type Tags } from './MElement.js';
import { ErrorCode, MetrixError } from './MetrixError.js';
import { MStream, type MTimer, type SendOptions, type TimerOptions } from './MStream.js';
import { type MSinkLike, type ObjectWritable, toSink } from './sinks/toSink.js';

export type {
  AddMSinkOptions,
  CloseOptions,
  MCoordinatorInput,
  MCoordinatorOnUnknown,
  MCoordinatorOptions,
} from './MCoordinatorOptions.js';

/** How long after a close deadline the streams may take to flush before everything is stopped. */
const DEADLINE_GRACE_MS = 1000;

/** A sink's stall timeout when neither the coordinator, `addMSink` nor the sink says otherwise. */
const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** The code of the warning about windows shorter than a sink's time resolution. */
const WINDOW_BELOW_RESOLUTION = 'METRIX_WINDOW_BELOW_RESOLUTION';

/**
 * Routes metric values to many {@link MStream}s by name and delivers every aggregated element of
 * every stream to every sink, with optional per-sink rate limits, end-to-end backpressure, a
 * lossless {@link MCoordinator.close} (or one bounded by a deadline that counts what it did not
 * deliver), stall detection and {@link MCoordinator.stats}.
 *
 * **Input.** {@link MCoordinator.send}, {@link MCoordinator.timer} and {@link MCoordinator.time}
 * address a stream by name. The coordinator is also an object-mode Writable of
 * `{ name, value, tags?, time? }` (or {@link MElement}s), routed by `name`, so
 * `source.pipe(parse).pipe(mc)` and `pipeline(source, parse, mc)` work; a write is acknowledged
 * once its stream accepted it, so a full stream slows the source.
 *
 * **Delivery.** Every aggregated element of every stream reaches every sink, in the order its
 * stream produced it (elements of different streams interleave in the order they were produced).
 * Each sink has its own FIFO queue of at most `sinkQueueSize` elements: a sink may fall that far
 * behind the others; when any queue is full the coordinator stops reading **all** its streams
 * until that queue has room — so beyond the queue, the slowest sink paces every stream and every
 * other sink. Streams that are not read fill their buffers, and then `send()` and `write()`
 * return `false`: memory stays bounded and nothing is lost. A sink with a rate limit receives
 * one element at a time, each at least `rateLimit` seconds after the previous one was handed to
 * it and only after the previous one was handled: delayed, never dropped. Elements produced
 * while there is no sink are discarded; a sink added later receives elements produced from then
 * on.
 *
 * **A failing sink** (its write errors, its Promise rejects, or it closes early) is detached:
 * what was queued for it and every later element is dropped *for that sink only*; the other
 * sinks keep receiving everything. The coordinator at once emits `'sinkError'` with a
 * MetrixError `ERR_METRIX_SINK_FAILED` whose message names the sink, whose `cause` is the sink's
 * own error and whose `input` is the sink, and the sink as second argument (with no
 * `'sinkError'` listener the error is written as a process warning instead). It is not emitted
 * as `'error'` then, because an `'error'` means a dead stream to `pipe()` (which would unpipe the
 * source) and to `pipeline()` (which would destroy everything). Once the coordinator has
 * finished delivering to the other sinks, it fails with the first such error: `close()`
 * rejects with it and `'error'` is emitted — which `close()` itself listens to, so awaiting
 * `close()` never crashes the process with an unhandled `'error'`.
 *
 * **A hung sink** — one that owes an answer (a write callback, a `'drain'`, its `'finish'`) and
 * gives no sign of life (those, or a `'retry'` event) for `stallTimeoutMs` — is detached,
 * destroyed and reported the same way as `ERR_METRIX_SINK_STALLED`; without that, its full queue
 * would hold every stream, and so every other sink and `close()`, for ever.
 *
 * **A failing stream** (an aggregation throws) destroys the coordinator with that error,
 * unchanged; `destroy()` destroys every stream and every sink that has not finished and clears
 * every timer.
 *
 * **Output** gets the coordinator's `prefix` and `defaultTags` on its way to the sinks; input is
 * routed by the streams' own names. With `onUnknown: { create }`, a new name gets a stream made
 * on demand, up to `maxStreams`.
 *
 * Other events: `'unknown'` and `'invalid'` (a MetrixError) for each element dropped under
 * `onUnknown`/`onInvalid: 'drop'`; `'cardinalityLimit'` (an `ERR_METRIX_CARDINALITY_LIMIT`) for
 * each value addressed to a new name beyond `maxStreams`.
 *
 * A process warning (type `MetrixWarning`, code `METRIX_WINDOW_BELOW_RESOLUTION`) is emitted once
 * per stream and sink when a stream's `windowSize` is shorter than the sink's
 * `timeResolutionMs` (a whole-second protocol would give successive windows the same time stamp).
 *
 * @example
 * ```ts
 * import { MCoordinator, MSinkLogger, MSinkPrinter, MStream, count, mean } from 'metrix-stream';
 * const mc = new MCoordinator({
 *   mstreams: [
 *     new MStream('requests', { agg: count, windowSize: 10 }),
 *     new MStream('latency', { agg: mean, windowSize: 10 }),
 *   ],
 *   msinks: [new MSinkPrinter(), new MSinkLogger()],
 *   rateLimit: [null, 1], // the logger gets at most one element per second
 * });
 * mc.send('requests', 1, { tags: { route: '/home' } });
 * mc.send('latency', 0.042);
 * await mc.close(); // flushes the open windows, delivers everything, ends the sinks
 * ```
 * @example Streams on demand, a bounded shutdown
 * ```ts
 * import { MCoordinator, MSinkPrinter, MStream, flushOnExit, mean } from 'metrix-stream';
 * const mc = new MCoordinator({
 *   msinks: [new MSinkPrinter()],
 *   onUnknown: { create: (name) => new MStream(name, { agg: mean, windowSize: 10 }) },
 *   maxStreams: 1000,
 *   defaultTags: { host: 'web-1' },
 *   prefix: 'app.',
 * });
 * mc.send('latency', 12); // makes the stream "latency"; sinks receive app.latency.mean{host=web-1}
 * flushOnExit(mc, { timeoutMs: 5000 });
 * ```
 * @throws {@link MetrixError} at construction: `ERR_METRIX_INVALID_RATE_LIMIT`,
 * `ERR_METRIX_INVALID_SINK`, `ERR_METRIX_DUPLICATE_METRIC`, `ERR_METRIX_INVALID_ARGUMENT`,
 * and the element's tag codes for invalid `defaultTags`.
 * @see {@link MStream}, {@link MSink}, {@link toSink}, {@link flushOnExit}.
 */
export class MCoordinator extends Writable {
  /** The code of the warning emitted when a stream's window is shorter than a sink's time resolution. */
  static readonly WINDOW_BELOW_RESOLUTION: string = WINDOW_BELOW_RESOLUTION;

  readonly #mstreams = new Map<string, MStream>();
  readonly #streamEnds: Promise<void>[] = [];
  readonly #lanes: SinkLane[] = [];
  readonly #sinks: ObjectWritable[] = [];
  readonly #defaultRateLimitMs: number;
  readonly #queueSize: number;
  /** The explicit coordinator-wide stall timeout; `undefined`: each sink's own, else 60 s. */
  readonly #stallTimeoutMs: number | undefined;
  readonly #dropUnknown: boolean;
  readonly #template: MCoordinatorOnUnknown | undefined;
  readonly #maxStreams: number;
  readonly #dropInvalid: boolean;
  readonly #defaultTags: Tags | undefined;
  readonly #prefix: string;
  readonly #warned = new Set<string>();
  #unknownCount = 0;
  #invalidCount = 0;
  #cardinalityCount = 0;
  #elementsIn = 0;
  #elementsOut = 0;
  #noSinkCount = 0;
  #paused = false;
  #sinkError: MetrixError | undefined;
  #closing: Promise<void> | undefined;
  /** The close deadline; once it passed, what is left is counted, no longer sent. */
  readonly #deadline = new CloseDeadline(() => this.#onDeadline());

  constructor(options: MCoordinatorOptions = {}) {
    super(streamOptions(options ?? undefined));
    const o = coordinatorOptions(options);
    const { mstreams, msinks } = o;
    this.#queueSize = o.queueSize;
    this.#stallTimeoutMs = o.stallTimeoutMs;
    this.#maxStreams = o.maxStreams;
    this.#defaultRateLimitMs = o.rateLimits.defaultMs;
    this.#dropUnknown = o.dropUnknown;
    this.#template = o.template;
    this.#dropInvalid = o.dropInvalid;
    this.#prefix = o.prefix;
    this.#defaultTags = o.defaultTags;
    // Validate everything before attaching listeners, so a throwing constructor leaves the
    // caller's streams and sinks untouched.
    const names = new Set<string>();
    for (const mstream of mstreams) {
      this.#checkMStream(mstream);
      if (names.has(mstream.name)) throw duplicate(mstream.name);
      names.add(mstream.name);
    }
    const sinks = msinks.map((sink) => toSink(sink));
    if (new Set(sinks).size !== sinks.length) throw sameSinkTwice();
    for (const mstream of mstreams) this.#attachMStream(mstream);
    sinks.forEach((sink, i) => {
      this.#attachSink(sink, o.rateLimits.perSink[i] as number, this.#stallTimeoutMs);
    });
  }

  /** The streams, by name (read-only view; use {@link MCoordinator.addMStream} to add). */
  get mstreams(): ReadonlyMap<string, MStream> {
    return this.#mstreams;
  }

  /** The sinks in the order added, as Writables (a function sink appears wrapped in an MSink). */
  get msinks(): readonly ObjectWritable[] {
    return this.#sinks;
  }

  /** Elements dropped under `onUnknown: 'drop'`. */
  get unknownCount(): number {
    return this.#unknownCount;
  }

  /** Elements dropped under `onInvalid: 'drop'`. */
  get invalidCount(): number {
    return this.#invalidCount;
  }

  /**
   * A snapshot of what went in and out: values routed into the streams, elements they produced,
   * what the coordinator dropped and why, and per sink what it received, delivered, holds in its
   * queue and in flight, retried and will never deliver (by reason), plus how many sinks were
   * detached. Per sink `in = out + queued + inFlight + Σ dropped` always holds.
   *
   * @example
   * ```ts
   * const { sinks } = mc.stats();
   * for (const s of sinks) console.log(s.label, s.state, `${s.out}/${s.in}`, s.queued);
   * ```
   */
  stats(): MCoordinatorStats {
    const sinks = this.#lanes.map((lane) => ({
      index: lane.index,
      label: sinkLabel(lane.sink),
      state: lane.state,
      in: lane.received,
      out: lane.delivered,
      queued: lane.queued,
      inFlight: lane.unacknowledged,
      retries: lane.retries,
      dropped: { ...lane.dropped },
    }));
    return {
      elementsIn: this.#elementsIn,
      elementsOut: this.#elementsOut,
      streams: this.#mstreams.size,
      byStream: Object.fromEntries([...this.#mstreams].map(([name, mstream]) => [name, mstream.stats()])),
      dropped: {
        unknown: this.#unknownCount,
        invalid: this.#invalidCount,
        cardinalityLimit: this.#cardinalityCount,
        noSink: this.#noSinkCount,
      },
      sinks,
      detached: sinks.filter((s) => isDetached(s.state)).length,
    };
  }

  /**
   * Adds a stream, addressed by its name from now on. Its output is delivered to every sink.
   *
   * @returns the coordinator, for chaining.
   * @throws {@link MetrixError} `ERR_METRIX_DUPLICATE_METRIC` when a stream of that name is
   * already there; `ERR_METRIX_INVALID_ARGUMENT` when `mstream` is not a live MStream;
   * `ERR_METRIX_CLOSED` after `close()`/`end()`/`destroy()`.
   */
  addMStream(mstream: MStream): this {
    this.#checkOpen('addMStream()');
    this.#checkMStream(mstream);
    if (this.#mstreams.has(mstream.name)) throw duplicate(mstream.name);
    this.#attachMStream(mstream);
    return this;
  }

  /**
   * Adds a sink: an {@link MSink}, any object-mode Writable or a function (see {@link toSink}).
   * It receives every element produced from now on.
   *
   * @returns the coordinator, for chaining.
   * @throws {@link MetrixError} `ERR_METRIX_INVALID_SINK` for something that is not a sink or a
   * sink already added; `ERR_METRIX_INVALID_RATE_LIMIT` for a bad `rateLimit`;
   * `ERR_METRIX_CLOSED` after `close()`/`end()`/`destroy()`.
   */
  addMSink(sink: MSinkLike, options: AddMSinkOptions = {}): this {
    this.#checkOpen('addMSink()');
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'addMSink(sink, options): options must be an object', {
        input: options,
      });
    }
    const limitMs =
      'rateLimit' in options ? rateLimitMs(options.rateLimit, 'addMSink({ rateLimit })') : this.#defaultRateLimitMs;
    const stallMs =
      options.stallTimeoutMs === undefined
        ? this.#stallTimeoutMs
        : stallTimeout(options.stallTimeoutMs, 'addMSink({ stallTimeoutMs })');
    const writable = toSink(sink);
    if (this.#sinks.includes(writable)) throw sameSinkTwice();
    this.#attachSink(writable, limitMs, stallMs);
    return this;
  }

  /**
   * Sends a value to the stream named `name` (see {@link MStream.send}).
   *
   * A new name gets a stream made on demand under `onUnknown: { create }`; beyond `maxStreams`
   * the value is dropped, counted and reported (`'cardinalityLimit'`) and `true` is returned.
   *
   * @returns `false` when that stream's buffers are full; to honour backpressure wait for that
   * stream's `'drain'` (`mc.mstreams.get(name)`), or write to the coordinator as a stream instead.
   * @throws {@link MetrixError} `ERR_METRIX_UNKNOWN_METRIC` for an unknown name without a
   * template (`'error'` and `'drop'` apply to written elements only); `ERR_METRIX_CLOSED` after
   * `close()`/`end()`/`destroy()`; the stream's validation errors (`ERR_METRIX_INVALID_VALUE`, …);
   * a template's own error, unchanged.
   */
  send(name: string, value: number, options?: SendOptions): boolean {
    const mstream = this.#stream(name, 'send()');
    if (mstream === undefined) return true;
    const accepted = mstream.send(value, options);
    this.#elementsIn++;
    return accepted;
  }

  /**
   * Starts a timer on the stream named `name` (see {@link MStream.timer}).
   *
   * @throws {@link MetrixError} as {@link MCoordinator.send}.
   */
  timer(name: string, options?: TimerOptions): MTimer {
    const mstream = this.#stream(name, 'timer()');
    // Over `maxStreams`: a timer that measures and sends nothing (the name was counted as dropped).
    const inner = mstream?.timer(options);
    let stopped = false;
    const stop = (): number => {
      if (inner === undefined) return 0;
      const wasStopped = stopped;
      stopped = true;
      const value = inner.stop();
      if (!wasStopped) this.#elementsIn++;
      return value;
    };
    return {
      stop,
      [Symbol.dispose]: () => {
        stop();
      },
    };
  }

  /**
   * Runs `fn` and sends its duration to the stream named `name` (see {@link MStream.time}).
   *
   * @throws {@link MetrixError} as {@link MCoordinator.send}; `fn`'s own error, unchanged.
   */
  time<T>(name: string, fn: () => T, options?: TimerOptions): T {
    const mstream = this.#stream(name, 'time()');
    if (mstream === undefined) return fn();
    try {
      return mstream.time(fn, options);
    } finally {
      if (typeof fn === 'function') this.#elementsIn++;
    }
  }

  /**
   * Ends input and resolves once every stream has flushed its partial window or batch, every
   * element has been delivered to every sink (respecting the rate limits) and every sink has
   * finished (`'finish'`). Without a deadline it waits as long as that takes — nothing is lost
   * with healthy sinks — except that a sink silent for its stall timeout is detached (see
   * `stallTimeoutMs`). `end()` and the end of a piped source do the same work.
   *
   * With `timeoutMs` or `signal`: when the deadline passes (or the signal aborts) before the end,
   * every sink that has not finished is detached and destroyed (its sockets and timers go with
   * it), the streams flush what they hold, and `close()` rejects with `ERR_METRIX_CLOSE_TIMEOUT`
   * whose `undelivered` property ({@link MetrixDeliveryError}) lists, per sink, exactly how many
   * aggregated elements it did not receive. Sinks that finished in time received everything.
   *
   * Calling it again returns the same promise; a deadline given on a later call still applies
   * (the earliest one wins), so a shutdown handler may bound a close already under way.
   *
   * It rejects with the coordinator's error: a stream's error unchanged; `ERR_METRIX_CLOSE_TIMEOUT`;
   * after the other sinks have finished, the first `ERR_METRIX_SINK_FAILED` or
   * `ERR_METRIX_SINK_STALLED` of a detached sink, with `undelivered` set and its message ending in
   * the final counts; or `ERR_METRIX_CLOSED` when the coordinator was destroyed first. While it is
   * pending it listens to `'error'`, so no unhandled `'error'` can crash a program that awaits it.
   *
   * @example
   * ```ts
   * try {
   *   await mc.close({ timeoutMs: 5000 });
   * } catch (err) {
   *   if (MetrixError.is(err, ErrorCode.CLOSE_TIMEOUT)) {
   *     for (const s of (err as MetrixDeliveryError).undelivered) console.error(s.label, s.count);
   *   }
   * }
   * ```
   * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` (synchronously) for a `timeoutMs`
   * that is not a non-negative finite number or a `signal` that is not an AbortSignal.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const deadline = closeOptions(options);
    if (this.#closing === undefined) {
      this.#closing = new Promise<void>((resolve, reject) => {
        if (this.writableFinished) return resolve();
        settled(
          this,
          'finish',
          () => new MetrixError(ErrorCode.CLOSED, 'the MCoordinator was destroyed before close() completed'),
        ).then(resolve, reject);
        if (!this.writableEnded) this.end();
      });
      // Whichever way it settles, the deadline's timers and signal listeners go.
      const clear = () => this.#deadline.clear();
      this.#closing.then(clear, clear);
    }
    if (!this.writableFinished && !this.destroyed && this.#deadline.why === undefined) this.#deadline.arm(deadline);
    return this.#closing;
  }

  /** `MCoordinator(mstreams=[MStream(…), …], msinks=[MSinkPrinter, MSinkLogger (rateLimit=1 s)])` */
  override toString(): string {
    const streams = [...this.#mstreams.values()].map((s) => s.toString());
    const sinks = this.#lanes.map((lane) => {
      const limit = lane.rateLimitMs > 0 ? ` (rateLimit=${lane.rateLimitMs / 1000} s)` : '';
      return `${sinkLabel(lane.sink)}${limit}${isDetached(lane.state) ? ` (${lane.state})` : ''}`;
    });
    return `MCoordinator(mstreams=[${streams.join(', ')}], msinks=[${sinks.join(', ')}])`;
  }

  /**
   * Describes the coordinator's graph as Graphviz DOT text: the input routed by name to each
   * stream, each stream's stages (grouping, dropEmpty, groupByKey, one aggregate per
   * aggregation, zipAggs, flatten), the fan-in, and each sink behind its bounded queue with its
   * rate limit. Render it with `dot -Tsvg`.
   *
   * @example
   * ```ts
   * import { writeFileSync } from 'node:fs';
   * writeFileSync('graph.dot', mc.visualize()); // then: dot -Tsvg graph.dot > graph.svg
   * ```
   */
  visualize(): string {
    const streams = [...this.#mstreams.values()].map((s) => ({
      name: s.name,
      grouping: s.windowSize !== undefined ? `windowByTime(${s.windowSize})` : `batchByCount(${s.batchSize})`,
      outputs: [...s.agg.keys()].map((agg) => `${s.name}.${agg}`),
    }));
    const sinks = this.#lanes.map((lane) => ({
      label: sinkLabel(lane.sink),
      rateLimitMs: lane.rateLimitMs,
      capacity: lane.capacity,
      detached: isDetached(lane.state) ? lane.state : undefined,
    }));
    return coordinatorDot(streams, sinks);
  }

  override _write(chunk: MCoordinatorInput, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (chunk === null || typeof chunk !== 'object' || typeof chunk.name !== 'string') {
      this.#rejectInvalid(
        new MetrixError(
          ErrorCode.INVALID_ELEMENT,
          `MCoordinator accepts { name, value, tags?, time? } objects, got ${describe(chunk)}`,
          { input: chunk },
        ),
        callback,
      );
      return;
    }
    let mstream = this.#mstreams.get(chunk.name);
    if (mstream === undefined && this.#template !== undefined) {
      try {
        mstream = this.#create(chunk.name, chunk);
      } catch (err) {
        callback(err as Error);
        return;
      }
      if (mstream === undefined) {
        callback();
        return;
      }
    }
    if (mstream === undefined) {
      const err = unknown(chunk.name, chunk);
      if (this.#dropUnknown) {
        this.#unknownCount++;
        this.emit('unknown', err);
        callback();
      } else {
        callback(err);
      }
      return;
    }
    let accepted: boolean;
    try {
      accepted = mstream.send(
        chunk.value,
        chunk.time == null ? { tags: chunk.tags ?? undefined } : { tags: chunk.tags ?? undefined, time: chunk.time },
      );
    } catch (err) {
      this.#rejectInvalid(err as Error, callback);
      return;
    }
    this.#elementsIn++;
    // Acknowledge only once the stream has room: that is how a piped source is slowed down.
    if (accepted) callback();
    else mstream.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    const streams = [...this.#mstreams.values()];
    // 1. Flush every stream's partial window or batch; 2. wait until its readable side has
    // handed us its last element; 3. deliver and end every sink; 4. report a failed sink.
    Promise.all(streams.map((mstream) => mstream.close()))
      .then(() => Promise.all(this.#streamEnds))
      .then(() => Promise.all(this.#lanes.map((lane) => lane.end())))
      .then(
        () => callback(this.#deliveryError()),
        (err: Error) => callback(err),
      );
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#deadline.clear();
    for (const lane of this.#lanes) lane.stop('destroyed');
    for (const mstream of this.#mstreams.values()) mstream.destroy();
    callback(error);
  }

  /**
   * The close deadline passed: detach every sink still busy (counting what it holds), and let the
   * streams flush — nothing waits on a sink any more, so that takes no I/O — into lanes that now
   * count each element as undelivered. `_final` then fails with the complete report.
   */
  #onDeadline(): void {
    if (this.writableFinished || this.destroyed) return;
    for (const lane of this.#lanes) lane.stop('closeTimeout');
    this.#hooks.onRoom();
    // A stream that still does not end (read by someone else as well, whose backpressure holds
    // it) must not keep close() past its deadline for more than a moment: then stop everything
    // and report what the lanes know.
    const guard = setTimeout(() => {
      if (this.writableFinished || this.destroyed) return;
      this.destroy(
        this.#deliveryError(
          `the streams had not flushed ${DEADLINE_GRACE_MS} ms after it, so what they still held is not counted`,
        ) ?? undefined,
      );
    }, DEADLINE_GRACE_MS);
    const clear = () => clearTimeout(guard);
    this.#closing?.then(clear, clear);
  }

  /**
   * The error the end of input reports, or `null` when every sink received everything.
   * `unflushed` says why the account is incomplete, when it is (the deadline's grace ran out).
   */
  #deliveryError(unflushed?: string): MetrixError | null {
    const undelivered: SinkUndelivered[] = this.#lanes
      // A sink cut off at the deadline is listed even with nothing missing: it never finished.
      .filter((lane) => lane.undelivered > 0 || lane.state === 'closeTimeout')
      .map((lane) => ({
        index: lane.index,
        label: sinkLabel(lane.sink),
        sink: lane.sink,
        state: lane.state,
        count: lane.undelivered,
      }));
    const summary = undelivered.map((u) => `${u.count} to sink #${u.index} (${u.label}, ${u.state})`).join(', ');
    let err: MetrixError;
    const why = this.#deadline.why;
    if (why !== undefined) {
      err = new MetrixError(
        ErrorCode.CLOSE_TIMEOUT,
        `close() stopped delivering because ${why}${unflushed === undefined ? '' : `; ${unflushed}`}; not delivered: ${summary || 'nothing'}`,
        this.#sinkError === undefined ? {} : { cause: this.#sinkError },
      );
    } else if (this.#sinkError !== undefined) {
      err = this.#sinkError;
      // The error was emitted as 'sinkError' when the sink was detached; only now, with every
      // stream flushed, is the count complete — say it where close() reports it.
      err.message += `; in all, not delivered: ${summary}`;
    } else {
      return null;
    }
    Object.defineProperty(err, 'undelivered', { value: Object.freeze(undelivered), enumerable: true });
    return err as MetrixDeliveryError;
  }

  #rejectInvalid(err: Error, callback: (error?: Error | null) => void): void {
    if (this.#dropInvalid && MetrixError.is(err) && err.code !== ErrorCode.CLOSED) {
      this.#invalidCount++;
      this.emit('invalid', err);
      callback();
    } else {
      callback(err);
    }
  }

  /** The stream named `name`, made on demand when there is a template; `undefined`: over `maxStreams`. */
  #stream(name: string, what: string): MStream | undefined {
    this.#checkOpen(what);
    const mstream = this.#mstreams.get(name);
    if (mstream !== undefined) return mstream;
    if (this.#template === undefined) throw unknown(name, name);
    return this.#create(name, name);
  }

  /** Makes and attaches the stream for a new name, or counts and reports it over `maxStreams`. */
  #create(name: string, input: unknown): MStream | undefined {
    if (this.#mstreams.size >= this.#maxStreams) {
      this.#cardinalityCount++;
      const err = new MetrixError(
        ErrorCode.CARDINALITY_LIMIT,
        `no stream named ${describe(name)} and this MCoordinator already holds maxStreams=${this.#maxStreams} streams; the value was dropped`,
        { input },
      );
      if (this.listenerCount('cardinalityLimit') > 0) this.emit('cardinalityLimit', err);
      else if (this.#cardinalityCount === 1) process.emitWarning(err);
      return undefined;
    }
    const mstream = (this.#template as MCoordinatorOnUnknown).create(name);
    this.#checkMStream(mstream);
    if (mstream.name !== name) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `onUnknown.create(${describe(name)}) returned a stream named ${describe(mstream.name)}`,
        { input: mstream },
      );
    }
    this.#attachMStream(mstream);
    return mstream;
  }

  #checkOpen(what: string): void {
    if (this.writableEnded || this.destroyed) {
      throw new MetrixError(ErrorCode.CLOSED, `MCoordinator is closed; ${what} after close()/end()/destroy()`);
    }
  }

  #checkMStream(mstream: unknown): asserts mstream is MStream {
    if (!(mstream instanceof MStream) || mstream.destroyed) {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `expected a live MStream, got ${describe(mstream)}`, {
        input: mstream,
      });
    }
  }

  #attachMStream(mstream: MStream): void {
    this.#mstreams.set(mstream.name, mstream);
    this.#streamEnds.push(
      mstream.readableEnded ? Promise.resolve() : new Promise<void>((resolve) => mstream.once('end', resolve)),
    );
    mstream.on('error', (err: Error) => this.destroy(err));
    mstream.on('data', this.#fanOut);
    if (this.#paused) mstream.pause();
    for (const lane of this.#lanes) this.#checkResolution(mstream, lane);
  }

  #attachSink(sink: ObjectWritable, limitMs: number, stallMs: number | undefined): void {
    const stallTimeoutMs = stallMs ?? ownStallTimeout(sink) ?? DEFAULT_STALL_TIMEOUT_MS;
    const lane = new SinkLane(
      sink,
      this.#lanes.length,
      { rateLimitMs: limitMs, capacity: this.#queueSize, stallTimeoutMs },
      this.#hooks,
    );
    this.#sinks.push(sink);
    this.#lanes.push(lane);
    for (const mstream of this.#mstreams.values()) this.#checkResolution(mstream, lane);
  }

  readonly #fanOut = (produced: MElement): void => {
    const lanes = this.#lanes;
    this.#elementsOut++;
    if (lanes.length === 0) {
      this.#noSinkCount++;
      return;
    }
    const element = this.#decorate(produced);
    let full = false;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i] as SinkLane;
      lane.push(element);
      if (lane.full) full = true;
    }
    // Pausing every stream (not only the one that filled a queue) keeps each queue within its
    // bound exactly: no other stream can add to it until it has room again.
    if (full && !this.#paused) {
      this.#paused = true;
      for (const mstream of this.#mstreams.values()) mstream.pause();
    }
  };

  /** The coordinator's `prefix` and `defaultTags` applied to one produced element. */
  #decorate(element: MElement): MElement {
    if (this.#prefix === '' && this.#defaultTags === undefined) return element;
    const tags = this.#defaultTags === undefined ? element.tags : { ...this.#defaultTags, ...element.tags };
    return new MElement(this.#prefix + element.name, element.value, { tags, time: element.time });
  }

  readonly #hooks: SinkLaneHooks = {
    onRoom: () => {
      if (!this.#paused || this.#lanes.some((lane) => lane.full)) return;
      this.#paused = false;
      for (const mstream of this.#mstreams.values()) mstream.resume();
    },
    onFail: (lane, cause) => {
      const reason = cause instanceof Error ? cause.message : String(cause);
      this.#reportSink(
        lane,
        new MetrixError(
          ErrorCode.SINK_FAILED,
          `sink #${lane.index} (${sinkLabel(lane.sink)}) failed: ${reason}; ${lane.undelivered} elements not delivered to it so far; the other sinks keep receiving every element`,
          { cause, input: lane.sink },
        ),
      );
    },
    onStall: (lane, idleMs) => {
      this.#reportSink(
        lane,
        new MetrixError(
          ErrorCode.SINK_STALLED,
          `sink #${lane.index} (${sinkLabel(lane.sink)}) owed an answer and gave no sign of life for ${Math.round(idleMs)} ms (stallTimeoutMs ${lane.stallTimeoutMs}); it was detached and destroyed with ${lane.undelivered} elements not delivered so far; the other sinks keep receiving every element`,
          { input: lane.sink },
        ),
      );
    },
  };

  /** `'sinkError'` at once (a process warning when nobody listens); the first one fails the end. */
  #reportSink(lane: SinkLane, err: MetrixError): void {
    this.#sinkError ??= err;
    if (this.listenerCount('sinkError') > 0) this.emit('sinkError', err, lane.sink);
    else process.emitWarning(err);
  }

  #checkResolution(mstream: MStream, lane: SinkLane): void {
    const windowSize = mstream.windowSize;
    if (windowSize === undefined) return;
    const resolution = (lane.sink as { timeResolutionMs?: unknown }).timeResolutionMs;
    if (typeof resolution !== 'number' || windowSize * 1000 >= resolution) return;
    const key = `${mstream.name}\u0000${lane.index}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    process.emitWarning(
      `MStream "${mstream.name}" has windowSize ${windowSize} s, shorter than the ${resolution} ms time resolution of sink #${lane.index} (${sinkLabel(lane.sink)}): successive windows may get the same time stamp there`,
      { type: 'MetrixWarning', code: WINDOW_BELOW_RESOLUTION },
    );
  }
}

// `await using mc = new MCoordinator(…)` closes it at the end of the block, losslessly, as
// `close()` does; readable-stream's own disposal would destroy it. Its types declare the member
// `never` (which `await using` accepts), so it is set here rather than declared in the class.
// Node >= 20.19 defines Symbol.asyncDispose (20.x as Symbol.for('nodejs.asyncDispose'), later
// versions natively), so no fallback is needed above the floor.
Object.defineProperty(MCoordinator.prototype, Symbol.asyncDispose, {
  value(this: MCoordinator): Promise<void> {
    return this.close();
  },
  writable: true,
  configurable: true,
});

function duplicate(name: string): MetrixError {
  return new MetrixError(ErrorCode.DUPLICATE_METRIC, `a stream named "${name}" is already in this MCoordinator`, {
    input: name,
  });
}

function unknown(name: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.UNKNOWN_METRIC, `no stream named ${describe(name)} in this MCoordinator`, {
    input,
  });
}

/** Whether a sink was detached for a fault of its own or a deadline (not when it was destroyed with the coordinator). */
function isDetached(state: MSinkState): boolean {
  return state === 'failed' || state === 'stalled' || state === 'closeTimeout';
}

function sameSinkTwice(): MetrixError {
  return new MetrixError(ErrorCode.INVALID_SINK, 'the same sink was given twice; it would receive every element twice');
}

/** The stall timeout a sink declares for itself (an MSink's `stallTimeoutMs` getter), if any. */
function ownStallTimeout(sink: ObjectWritable): number | undefined {
  const ms = (sink as { stallTimeoutMs?: unknown }).stallTimeoutMs;
  return typeof ms === 'number' && ms > 0 ? ms : undefined;
}
