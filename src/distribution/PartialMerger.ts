import { EventEmitter } from 'node:events';
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { toAggregator } from '../aggregators/AggFunc.js';
import { AggregationPlan } from '../engine/AggregationPlan.js';
import { describe } from '../internal/describe.js';
import { type AggSpec, parseAgg } from '../internal/parseAgg.js';
import { positiveInteger } from '../internal/validate.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { type MSinkLike, type ObjectWritable, toSink } from '../sinks/toSink.js';
import type { DistributionOptions, ResolvedDistribution } from './DistributionOptions.js';
import { type EnsurePartialStreamsOptions, ensurePartialStreams } from './ensurePartialStreams.js';
import type { StreamPlan } from './MergedWindow.js';
import { type PartitionCounts, PartitionMerge, zeroCounts } from './PartitionMerge.js';
import { mergedSubject, partitionFilter } from './partialSubject.js';
import { resolveDistribution } from './resolveDistribution.js';

/** Options of {@link PartialMerger}. */
export interface PartialMergerOptions extends DistributionOptions, EnsurePartialStreamsOptions {
  /** Per stream name, the `agg` its edges use (the same spec: one function, an array, or a map). */
  streams?: Readonly<Record<string, AggSpec>>;
  /**
   * The `agg` of streams not in `streams` (the edges' default). Without it, a partial of such a
   * stream is invalid (`ERR_METRIX_UNKNOWN_METRIC`). One of `streams` and `defaultAgg` is needed.
   */
  defaultAgg?: AggSpec;
  /** Where the final aggregates go: an MSink, an object-mode Writable or a function. */
  sink: MSinkLike;
  /**
   * The partitions this process merges (default: all). Each partition must be merged by one
   * process at a time: split `0 … partitions − 1` between the processes of the tier.
   */
  owned?: readonly number[];
  /**
   * How far, in ms of the partials' own time, a window waits for late partials (default 0): a
   * window is emitted once a partial of a window starting `allowedDelayMs` or more after its end
   * reaches its partition (with 0: the next window's first partial). Make it cover the edges' skew: the spread of their clocks or input plus their
   * publish delay.
   */
  allowedDelayMs?: number;
  /**
   * Emit a partition's open windows once it has received nothing for this many ms of wall
   * clock (default: never; then they wait for newer partials or for `close({ flush: true })`).
   * For a live service whose edges may stop sending.
   */
  idleMs?: number;
  /** Durable consumers are named `<durableName>-p<partition>` (default `'metrix-merger'`). */
  durableName?: string;
  /** Partials fetched ahead per partition (default 1000). */
  maxMessages?: number;
  /** End the sink on {@link PartialMerger.close} and wait for it to finish (default `true`). */
  endSink?: boolean;
}

/** Counts of a {@link PartialMerger}, from {@link PartialMerger.stats}. */
export interface PartialMergerStats extends Readonly<PartitionCounts> {
  /** Windows open now (their partials held, unacknowledged). */
  readonly open: number;
  /** Partition take-overs (at start, and after each reconnection to NATS). */
  readonly takeovers: number;
}

/** Options of {@link PartialMerger.close}. */
export interface PartialMergerCloseOptions {
  /**
   * `true`: merge everything the stream holds now, then emit every open window (the end of a
   * job: close the edges first). `false` (default): hand the held
   * partials back to JetStream unacknowledged, for the process that takes these partitions over.
   */
  flush?: boolean;
}

const NS = 1_000_000;
const CONSUMER_NOT_FOUND = 10014;

/**
 * The global tier: merges the partials edges publish ({@link PartialForwarder}) per (window,
 * stream, series) and hands the final aggregates to a sink once each window is complete.
 *
 * - **Partitions.** Series are split into `partitions` by {@link partitionOf}; this process
 *   merges those in `owned`, each through its own durable JetStream consumer with explicit
 *   acknowledgements. Several processes owning disjoint sets scale the tier out.
 * - **Watermark.** Per partition, in the partials' own time: the latest window start seen there
 *   minus `allowedDelayMs`. A window is emitted once the watermark reaches its end; a partial
 *   for a window already emitted is **late**: acknowledged, not merged, counted and reported by
 *   a `'late'` event (`ERR_METRIX_LATE_ELEMENT`). `idleMs` and `close({ flush: true })` emit
 *   what is still open.
 * - **Exactly once into the merge.** A partial is applied once per window, whatever is
 *   delivered again (by source and series). Its acknowledgement waits until its window's
 *   aggregates were taken by the sink *and* the partition's progress (the boundary up to which
 *   windows were emitted) is stored in JetStream: a process killed before that leaves every
 *   partial of the window to be delivered again and the window is rebuilt whole; one killed
 *   after it leaves only acknowledgements, whose partials then come back late and are dropped.
 * - **Take-over.** At start, and after every reconnection to NATS, each owned partition's
 *   consumer is recreated from its acknowledgement floor, so everything unacknowledged is
 *   delivered again at once and in order (not after an ack timeout, and never behind newer
 *   partials that would move the watermark past it).
 * - **Events.** `'late'`, `'invalid'` (a partial that cannot be merged: malformed,
 *   `ERR_METRIX_INVALID_STATE`; of a stream neither in `streams` nor covered by `defaultAgg`, `ERR_METRIX_UNKNOWN_METRIC` —
 *   terminated, never delivered again), `'invalidResult'` (a non-finite aggregate, dropped),
 *   `'retry'` (`ERR_METRIX_BACKEND_UNAVAILABLE`: storing progress or a take-over failed and is
 *   tried again, as NATS comes back),
 *   `'error'` (the sink failed, or NATS did in a way retrying cannot mend: the merger stops and
 *   acknowledges nothing more, so a replacement gets the partials again).
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node';
 * import { MSinkPrinter, sum, percentile } from 'metrix-stream';
 * import { PartialMerger } from 'metrix-stream/distribution';
 *
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222', maxReconnectAttempts: -1 });
 * const merger = new PartialMerger(nc, {
 *   streams: { latency: [sum, percentile(99, { sketch: true })] },
 *   sink: new MSinkPrinter(),
 *   owned: [0, 2, 4, 6], // the other process owns 1, 3, 5, 7
 *   allowedDelayMs: 10_000,
 * });
 * await merger.start();
 * ```
 * @see {@link PartialForwarder} for the edges.
 */
export class PartialMerger extends EventEmitter {
  readonly #nc: NatsConnection;
  readonly #dist: ResolvedDistribution;
  readonly #options: PartialMergerOptions;
  readonly #streams = new Map<string, StreamPlan>();
  readonly #owned: number[];
  readonly #delayMs: number;
  readonly #idleMs: number | undefined;
  readonly #durable: string;
  readonly #maxMessages: number;
  readonly #sink: ObjectWritable;
  readonly #parts = new Map<number, PartitionMerge<JsMsg>>();
  /** Per partition, the tail of its serialized work (deliveries, flushes, take-overs). */
  readonly #chains = new Map<number, Promise<void>>();
  readonly #consuming = new Map<number, ConsumerMessages>();
  /** Per partition, the deliveries of its current consumer processed so far. */
  readonly #processed = new Map<number, number>();
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #takeovers = 0;
  #started = false;
  #closed = false;
  #failed: Error | undefined;
  #sinkError: Error | undefined;

  constructor(nc: NatsConnection, options: PartialMergerOptions) {
    super();
    const who = 'PartialMerger';
    this.#nc = nc;
    this.#dist = resolveDistribution(options, who);
    this.#options = options;
    const streams = options?.streams ?? {};
    if (typeof streams !== 'object' || streams === null) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `${who}: streams must map each stream name to its agg, got ${describe(streams)}`,
        { input: streams },
      );
    }
    if (Object.keys(streams).length === 0 && options.defaultAgg === undefined) {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${who}: give streams (name → agg), defaultAgg, or both`, {
        input: options,
      });
    }
    for (const [name, agg] of Object.entries(streams)) this.#streams.set(name, streamPlan(name, agg));
    // Checked now, so that a bad default fails at construction, not at the first partial.
    if (options.defaultAgg !== undefined) streamPlan('default', options.defaultAgg);
    const { partitions } = this.#dist;
    const owned = options.owned ?? Array.from({ length: partitions }, (_, i) => i);
    if (
      !Array.isArray(owned) ||
      owned.length === 0 ||
      new Set(owned).size !== owned.length ||
      !owned.every((p) => Number.isInteger(p) && p >= 0 && p < partitions)
    ) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `${who}: owned must list distinct partitions in 0…${partitions - 1}, got ${describe(owned)}`,
        { input: owned },
      );
    }
    this.#owned = [...owned];
    const delay = options.allowedDelayMs ?? 0;
    if (!(delay >= 0 && delay < Number.POSITIVE_INFINITY)) {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${who}: allowedDelayMs must be ≥ 0, got ${describe(delay)}`, {
        input: delay,
      });
    }
    this.#delayMs = delay;
    this.#idleMs = options.idleMs === undefined ? undefined : positiveInteger(options.idleMs, `${who}: idleMs`);
    this.#durable = options.durableName ?? 'metrix-merger';
    this.#maxMessages = positiveInteger(options.maxMessages ?? 1000, `${who}: maxMessages`);
    this.#sink = toSink(options.sink);
    this.#sink.on('error', (err: Error) => {
      this.#sinkError = err;
      this.#fail(new MetrixError(ErrorCode.SINK_FAILED, 'PartialMerger: the sink failed', { cause: err }));
    });
  }

  /** The plan of stream `name`: its own, or made once from `defaultAgg`. */
  #planOf(name: string): StreamPlan | undefined {
    let plan = this.#streams.get(name);
    const agg = this.#options.defaultAgg;
    if (plan === undefined && agg !== undefined) {
      plan = streamPlan(name, agg);
      this.#streams.set(name, plan);
    }
    return plan;
  }

  /** The partitions this process merges. */
  get owned(): readonly number[] {
    return this.#owned;
  }

  /**
   * Creates the streams if needed, reads each owned partition's progress, takes its consumer
   * over and starts merging. Resolves once every partition is being consumed.
   */
  async start(): Promise<void> {
    if (this.#started) throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'PartialMerger: start() called twice');
    this.#started = true;
    await ensurePartialStreams(this.#nc, this.#options);
    this.#jsm = await jetstreamManager(this.#nc);
    this.#js = jetstream(this.#nc);
    for (const p of this.#owned) {
      const closedUpTo = await this.#readProgress(p);
      this.#parts.set(
        p,
        new PartitionMerge<JsMsg>(p, { get: (name) => this.#planOf(name) }, this.#delayMs, closedUpTo, {
          emit: (elements) => this.#emit(elements),
          commit: (partition, upTo) => this.#commit(partition, upTo),
          late: (err) => this.emit('late', err),
          invalid: (err) => this.emit('invalid', err),
          invalidResult: (err) => this.emit('invalidResult', err),
        }),
      );
      await this.#takeOver(p);
    }
    this.#watchReconnects();
    if (this.#idleMs !== undefined) {
      const idleMs = this.#idleMs;
      this.#idleTimer = setInterval(() => this.#flushIdle(idleMs), Math.max(10, Math.floor(idleMs / 4)));
    }
  }

  /** The merger's counts so far, summed over its partitions. */
  stats(): PartialMergerStats {
    const sum = zeroCounts();
    let open = 0;
    for (const part of this.#parts.values()) {
      for (const k of Object.keys(sum) as (keyof PartitionCounts)[]) sum[k] += part.counts[k];
      open += part.openWindows;
    }
    return { ...sum, open, takeovers: this.#takeovers };
  }

  /**
   * Stops consuming; with `flush: true` emits every open window, otherwise hands the held
   * partials back unacknowledged; then ends the sink (unless `endSink: false`) and waits for it.
   * Does not close the NATS connection. Rejects with the merger's failure, if it failed.
   */
  async close({ flush = false }: PartialMergerCloseOptions = {}): Promise<void> {
    if (this.#closed) return;
    // Never started (or start() failed before it could read anything): nothing is held.
    if (flush && this.#failed === undefined && this.#jsm !== undefined) await this.#drain();
    this.#closed = true;
    clearInterval(this.#idleTimer);
    for (const messages of this.#consuming.values()) messages.stop();
    this.#consuming.clear();
    for (const [p, part] of this.#parts) {
      await this.#serial(p, async () => {
        if (flush && this.#failed === undefined) await part.flush();
        else part.release();
      });
    }
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#options.endSink !== false) await this.#endSink();
  }

  /**
   * Waits until every owned partition has merged everything its stream holds now: nothing
   * pending on the server, and the last partial delivered has been processed.
   */
  async #drain(): Promise<void> {
    const jsm = this.#jsm as JetStreamManager;
    for (const p of this.#owned) {
      for (;;) {
        if (this.#failed !== undefined) return;
        const info = await jsm.consumers.info(this.#dist.streamName, `${this.#durable}-p${p}`);
        // Every delivery of the current consumer (its consumer sequence) has been processed.
        if (info.num_pending === 0 && info.delivered.consumer_seq <= (this.#processed.get(p) ?? 0)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async #readProgress(p: number): Promise<number> {
    const stored = await (this.#jsm as JetStreamManager).streams.getMessage(`${this.#dist.streamName}_MERGED`, {
      last_by_subj: mergedSubject(this.#dist.subjectPrefix, p),
    });
    if (stored === null) return Number.NEGATIVE_INFINITY;
    const { closedUpTo } = stored.json<{ closedUpTo: number }>();
    return typeof closedUpTo === 'number' ? closedUpTo : Number.NEGATIVE_INFINITY;
  }

  /**
   * Recreates partition `p`'s durable consumer from its acknowledgement floor and consumes it:
   * every partial not acknowledged is delivered again now, in stream order.
   */
  async #takeOver(p: number): Promise<void> {
    const jsm = this.#jsm as JetStreamManager;
    const { streamName, subjectPrefix } = this.#dist;
    const name = `${this.#durable}-p${p}`;
    this.#consuming.get(p)?.stop();
    this.#consuming.delete(p);
    let floor = 0;
    let delivered = 0;
    try {
      const info = await jsm.consumers.info(streamName, name);
      floor = info.ack_floor.stream_seq;
      delivered = info.delivered.stream_seq;
      await jsm.consumers.delete(streamName, name);
    } catch (err) {
      // A first start: there is no consumer to take over.
      if (!(err instanceof JetStreamApiError && err.code === CONSUMER_NOT_FOUND)) throw err;
    }
    const config: Partial<ConsumerConfig> = {
      durable_name: name,
      filter_subject: partitionFilter(subjectPrefix, p),
      ack_policy: AckPolicy.Explicit,
      // Partials are held until their window is emitted, which may take many windows; no
      // limit on how many are unacknowledged, or delivery would stop before a window could close.
      max_ack_pending: -1,
      // Held partials are not delivered again while this process lives (a take-over does that).
      ack_wait: 3_600_000 * NS,
      ...(floor > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 }
        : { deliver_policy: DeliverPolicy.All }),
    };
    await jsm.consumers.add(streamName, config);
    const consumer = await (this.#js as JetStreamClient).consumers.get(streamName, name);
    const messages = await consumer.consume({ max_messages: this.#maxMessages });
    this.#consuming.set(p, messages);
    this.#processed.set(p, 0);
    this.#takeovers++;
    const part = this.#parts.get(p) as PartitionMerge<JsMsg>;
    (async () => {
      for await (const msg of messages) {
        if (this.#consuming.get(p) !== messages) break;
        // Up to what the old consumer had delivered, a partial may have been handled already.
        await this.#serial(p, () => part.receive(msg, msg.redelivered || msg.seq <= delivered));
        this.#processed.set(p, (this.#processed.get(p) ?? 0) + 1);
      }
    })().catch((err) => this.#fail(err));
  }

  #watchReconnects(): void {
    (async () => {
      for await (const status of this.#nc.status()) {
        if (this.#closed || this.#failed !== undefined) return;
        if (status.type !== 'reconnect') continue;
        // Deliveries in flight when the connection broke are pending on the server and would
        // come back only after the ack wait, behind newer partials: take every partition over.
        for (const p of this.#owned) await this.#retakeOver(p);
      }
    })().catch((err) => this.#fail(err));
  }

  /** Takes partition `p` over again, trying until it works (NATS may drop again meanwhile). */
  async #retakeOver(p: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#serial(p, () => this.#takeOver(p));
        return;
      } catch (err) {
        if (this.#closed || this.#failed !== undefined) return;
        if (this.#nc.isClosed()) {
          this.#fail(
            new MetrixError(ErrorCode.BACKEND_UNAVAILABLE, 'PartialMerger: the NATS connection is closed', {
              cause: err,
            }),
          );
          return;
        }
        this.emit(
          'retry',
          new MetrixError(
            ErrorCode.BACKEND_UNAVAILABLE,
            `PartialMerger: taking partition ${p} over failed; trying again`,
            {
              cause: err,
            },
          ),
        );
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  #flushIdle(idleMs: number): void {
    const now = Date.now();
    for (const [p, part] of this.#parts) {
      if (part.openWindows > 0 && now - part.lastReceivedAt >= idleMs) {
        this.#serial(p, () => part.flush()).catch((err) => this.#fail(err));
      }
    }
  }

  /** Runs `fn` after the partition's earlier work; the chain goes on after a failure. */
  #serial(p: number, fn: () => Promise<void>): Promise<void> {
    const run = (this.#chains.get(p) ?? Promise.resolve()).then(() => {
      if (this.#failed !== undefined) throw this.#failed;
      return fn();
    });
    this.#chains.set(
      p,
      run.catch(() => {}),
    );
    return run;
  }

  #emit(elements: MElement[]): Promise<void> {
    const sink = this.#sink;
    return new Promise((resolve, reject) => {
      if (this.#sinkError !== undefined) return reject(this.#sinkError);
      if (elements.length === 0) return resolve();
      let left = elements.length;
      const done = (err?: Error | null) => {
        if (err) return reject(err);
        if (--left === 0) resolve();
      };
      // Written at once; the sink's buffer holds them and its callbacks pace the partition.
      for (const el of elements) sink.write(el, done);
    });
  }

  async #commit(p: number, closedUpTo: number): Promise<void> {
    const subject = mergedSubject(this.#dist.subjectPrefix, p);
    const body = JSON.stringify({ closedUpTo });
    // Until it is stored, nothing of the window may be acknowledged: try again through a NATS
    // outage (the client reconnects), as long as the merger is neither failed nor closed.
    for (let attempt = 0; ; attempt++) {
      try {
        await (this.#js as JetStreamClient).publish(subject, body, { timeout: 5000 });
        return;
      } catch (err) {
        if (this.#nc.isClosed() || this.#failed !== undefined) {
          throw new MetrixError(
            ErrorCode.BACKEND_UNAVAILABLE,
            `PartialMerger: could not store partition ${p}'s progress`,
            {
              cause: err,
            },
          );
        }
        this.emit(
          'retry',
          new MetrixError(
            ErrorCode.BACKEND_UNAVAILABLE,
            `PartialMerger: storing partition ${p}'s progress failed; trying again`,
            {
              cause: err,
            },
          ),
        );
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  #endSink(): Promise<void> {
    const sink = this.#sink;
    return new Promise((resolve, reject) => {
      sink.once('finish', () => resolve());
      sink.once('error', reject);
      sink.end();
    });
  }

  #fail(err: Error): void {
    if (this.#failed !== undefined) return;
    this.#failed = err;
    clearInterval(this.#idleTimer);
    for (const messages of this.#consuming.values()) messages.stop();
    this.#consuming.clear();
    this.emit('error', err);
  }
}

/** How the tier aggregates stream `name` with `agg`. @throws `ERR_METRIX_INVALID_AGG` */
function streamPlan(name: string, agg: AggSpec): StreamPlan {
  const aggregators = [...parseAgg(agg)].map(([aggName, fn]) => toAggregator(aggName, fn));
  return {
    name,
    aggregators,
    plan: new AggregationPlan(aggregators),
    outputNames: aggregators.map((a) => `${name}.${a.name}`),
  };
}
