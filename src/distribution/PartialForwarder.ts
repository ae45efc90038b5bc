import { EventEmitter } from 'node:events';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { MetricWindow } from '../engine/MetricWindow.js';
import { describe } from '../internal/describe.js';
import { positiveInteger } from '../internal/validate.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { MStream } from '../MStream.js';
import type { DistributionOptions, ResolvedDistribution } from './DistributionOptions.js';
import type { EnsurePartialStreamsOptions } from './ensurePartialStreams.js';
import { partialMsgId } from './partialMsgId.js';
import { partialSubject } from './partialSubject.js';
import { partitionOf } from './partitionOf.js';
import { resolveDistribution } from './resolveDistribution.js';
import { windowPartials } from './windowPartials.js';

/** Options of {@link PartialForwarder}. */
export interface PartialForwarderOptions extends DistributionOptions, EnsurePartialStreamsOptions {
  /**
   * Names this edge's output (required). Two processes must never share one while both run:
   * their partials of the same window and series would have the same message ID, and JetStream
   * would keep only the first. Reuse it only to publish the same data again (a replay), which is
   * then stored once.
   */
  source: string;
  /** Publishes awaiting JetStream's acknowledgement at once: the batch (default 256). */
  maxInFlight?: number;
  /** Queued partials above which {@link PartialForwarder.add} returns `false` (default 10 000). */
  highWaterMark?: number;
  /** How long one publish waits for its acknowledgement, in ms (default 5000). */
  publishTimeoutMs?: number;
  /** Pause after a failed publish before trying again, in ms (default 250). */
  retryDelayMs?: number;
}

/** Counts of a {@link PartialForwarder}, from {@link PartialForwarder.stats}. */
export interface PartialForwarderStats {
  /** Partials waiting to be published (not yet sent, or sent again after a failure). */
  readonly queued: number;
  /** Partials published and awaiting their acknowledgement. */
  readonly inFlight: number;
  /** Partials JetStream stored. */
  readonly published: number;
  /** Partials JetStream acknowledged as repeats of a stored message ID (a retry of a publish that had landed). */
  readonly duplicates: number;
  /** Failed publishes, each tried again. */
  readonly retries: number;
  /** Windows handed to the forwarder. */
  readonly windows: number;
}

/** Options of {@link PartialForwarder.close}. */
export interface PartialForwarderCloseOptions {
  /** Give up after this many ms and reject with `ERR_METRIX_CLOSE_TIMEOUT` (default: wait as long as it takes). */
  timeoutMs?: number;
}

interface Pending {
  readonly subject: string;
  readonly body: Uint8Array;
  readonly msgID: string;
}

const encoder = new TextEncoder();

/**
 * The edge of the distributed tier: publishes, at the end of each window, the partial state of
 * every series of an {@link MStream} to JetStream — one message per (window, stream, series)
 * carrying all its states — instead of (or as well as) the stream's own aggregates.
 *
 * - **Idempotent**: each partial has a deterministic message ID ({@link partialMsgId}); a publish
 *   tried again after a timeout or a NATS restart is stored once.
 * - **Batched**: up to `maxInFlight` publishes await their acknowledgements at once.
 * - **Nothing lost**: a failed publish is tried again, after `retryDelayMs`, until it is
 *   acknowledged or the forwarder is closed with a deadline; each failure is reported by a
 *   `'retry'` event (`ERR_METRIX_BACKEND_UNAVAILABLE`, the client's error as `cause`). A
 *   connection closed for good fails the forwarder (`'error'`).
 * - **Backpressure**: {@link PartialForwarder.add} returns `false` once `highWaterMark` partials
 *   are queued, and `'drain'` follows when the queue is back under it. A window arriving through
 *   {@link PartialForwarder.attach} is always queued (dropping it would lose it): watch
 *   `stats().queued` to hold the producer.
 *
 * The forwarder does not own the connection: close it after {@link PartialForwarder.close}.
 * The MStream needs time windows (`windowSize`); event time (`windowTime: 'event'`) makes
 * windows of the data's own time, the same on every edge.
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node';
 * import { MStream, sum, percentile } from 'metrix-stream';
 * import { PartialForwarder } from 'metrix-stream/distribution';
 *
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222', maxReconnectAttempts: -1 });
 * const forwarder = new PartialForwarder(nc, { source: `web-${process.pid}` });
 * const latency = new MStream('latency', { agg: [sum, percentile(99, { sketch: true })], windowSize: 10, windowTime: 'event' });
 * forwarder.attach(latency);
 * latency.resume(); // its own aggregates are not needed here
 * latency.send(12.5, { tags: { route: '/' } });
 * await latency.close();
 * await forwarder.close();
 * await nc.close();
 * ```
 * @see {@link PartialMerger} for the merging tier.
 */
export class PartialForwarder extends EventEmitter {
  /** This edge's source id. */
  readonly source: string;
  readonly #dist: ResolvedDistribution;
  readonly #connection: Promise<NatsConnection>;
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  /** The connection and the JetStream client, once: a failure of either fails the forwarder. */
  #client: Promise<void> | undefined;
  readonly #maxInFlight: number;
  readonly #highWaterMark: number;
  readonly #timeoutMs: number;
  readonly #retryDelayMs: number;
  readonly #ensureOptions: EnsurePartialStreamsOptions;
  #ready: Promise<void> | undefined;
  #streamsReady = false;
  #queue: Pending[] = [];
  #head = 0;
  #inFlight = 0;
  #published = 0;
  #duplicates = 0;
  #retries = 0;
  #windows = 0;
  #seq = 1;
  #retryTimer: NodeJS.Timeout | undefined;
  #needDrain = false;
  #closed = false;
  #abandoned = false;
  #failed: Error | undefined;
  #idle: Array<() => void> = [];
  readonly #detach = new Set<() => void>();

  /**
   * @param nc - The NATS connection, or a promise of it: windows closed before it is connected
   *   are queued (a command can attach its streams at once and connect meanwhile). A rejected
   *   promise fails the forwarder.
   */
  constructor(nc: NatsConnection | Promise<NatsConnection>, options: PartialForwarderOptions) {
    super();
    const who = 'PartialForwarder';
    if (typeof options?.source !== 'string' || options.source === '') {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `${who}: source must be a non-empty string naming this edge, got ${describe(options?.source)}`,
        { input: options?.source },
      );
    }
    this.source = options.source;
    this.#dist = resolveDistribution(options, who);
    this.#connection = Promise.resolve(nc);
    // Not an unhandled rejection before the first window: #pump reports it.
    this.#connection.catch(() => {});
    this.#maxInFlight = positiveInteger(options.maxInFlight ?? 256, `${who}: maxInFlight`);
    this.#highWaterMark = positiveInteger(options.highWaterMark ?? 10_000, `${who}: highWaterMark`);
    this.#timeoutMs = positiveInteger(options.publishTimeoutMs ?? 5000, `${who}: publishTimeoutMs`);
    this.#retryDelayMs = positiveInteger(options.retryDelayMs ?? 250, `${who}: retryDelayMs`);
    this.#ensureOptions = options;
  }

  /**
   * Publishes the partials of every window `mstream` closes from now on, until
   * {@link PartialForwarder.close} or the returned function is called. The stream's own
   * aggregates still come out of its readable side: read them, pipe them, or `resume()` it.
   *
   * @throws `MetrixError` `ERR_METRIX_INVALID_ARGUMENT` for a stream of count batches.
   */
  attach(mstream: MStream): () => void {
    // Checked here: thrown from inside the stream's 'window' event it would fail the producer.
    if (mstream.windowSize === undefined) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `PartialForwarder("${this.source}"): MStream("${mstream.name}") makes count batches; only time windows (windowSize) line up across processes`,
        { input: mstream.name },
      );
    }
    const listener = (window: MetricWindow) => {
      this.add(mstream.name, window);
    };
    mstream.on('window', listener);
    const detach = () => {
      mstream.removeListener('window', listener);
      this.#detach.delete(detach);
    };
    this.#detach.add(detach);
    return detach;
  }

  /**
   * Queues the partials of one closed window of stream `stream` (serialized now: call it inside
   * the `'window'` listener) and starts publishing them.
   *
   * @returns `false` when `highWaterMark` partials or more are waiting: wait for `'drain'`.
   * @throws `MetrixError` `ERR_METRIX_CLOSED` after {@link PartialForwarder.close};
   *   `ERR_METRIX_INVALID_ARGUMENT` for a count batch.
   */
  add(stream: string, window: MetricWindow): boolean {
    if (this.#closed) {
      throw new MetrixError(ErrorCode.CLOSED, `PartialForwarder("${this.source}"): add() after close()`);
    }
    const partials = windowPartials(this.source, stream, window, this.#seq);
    this.#seq += partials.length;
    this.#windows++;
    const { subjectPrefix, partitions } = this.#dist;
    for (const partial of partials) {
      this.#queue.push({
        subject: partialSubject(subjectPrefix, partitionOf(stream, partial.key, partitions), stream),
        body: encoder.encode(JSON.stringify(partial)),
        msgID: partialMsgId(this.source, stream, partial.start, partial.key),
      });
    }
    this.#pump();
    const below = this.#pending() < this.#highWaterMark;
    if (!below) this.#needDrain = true;
    return below;
  }

  /** The forwarder's counts so far. */
  stats(): PartialForwarderStats {
    return {
      queued: this.#queue.length - this.#head,
      inFlight: this.#inFlight,
      published: this.#published,
      duplicates: this.#duplicates,
      retries: this.#retries,
      windows: this.#windows,
    };
  }

  /** Resolves once every partial queued so far is acknowledged; rejects if the forwarder fails. */
  flushed(): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    if (this.#pending() === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#idle.push(() => (this.#failed === undefined ? resolve() : reject(this.#failed)));
    });
  }

  /**
   * Detaches from every MStream and resolves once every queued partial is acknowledged. With
   * `timeoutMs`, rejects at that deadline with `ERR_METRIX_CLOSE_TIMEOUT` naming how many
   * partials were not acknowledged (they are dropped: nothing retries them any more).
   * Does not close the NATS connection.
   */
  async close({ timeoutMs }: PartialForwarderCloseOptions = {}): Promise<void> {
    for (const detach of [...this.#detach]) detach();
    this.#closed = true;
    if (timeoutMs === undefined) return this.flushed();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const left = this.#pending();
        this.#queue = [];
        this.#head = 0;
        // Given up: publishes still in flight settle unobserved (a late failure is not an error
        // any more, the rejection below already counts them).
        this.#abandoned = true;
        clearTimeout(this.#retryTimer);
        reject(
          new MetrixError(
            ErrorCode.CLOSE_TIMEOUT,
            `PartialForwarder("${this.source}"): ${left} partial(s) not acknowledged within ${timeoutMs} ms`,
            { input: left },
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([this.flushed(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  #pending(): number {
    return this.#queue.length - this.#head + this.#inFlight;
  }

  #pump(): void {
    if (this.#retryTimer !== undefined || this.#failed !== undefined) return;
    if (!this.#streamsReady) {
      // The streams are made (or found) once, before the first publish; a failure is retried
      // like a publish, since NATS may not be up yet. Nothing is published before: a publish
      // to a stream not yet made has no responder and would only fail.
      if (this.#ready !== undefined) return;
      if (this.#client === undefined) {
        // The JetStream client is loaded here, not at import, so that a program can import the
        // forwarder (a command with an optional --forward) without the NATS clients installed.
        this.#client = (async () => {
          const [nc, { jetstream }] = await Promise.all([this.#connection, import('@nats-io/jetstream')]);
          this.#nc = nc;
          this.#js = jetstream(nc);
        })();
        this.#client.then(
          () => this.#pump(),
          (err) =>
            this.#fail(
              new MetrixError(ErrorCode.BACKEND_UNAVAILABLE, `PartialForwarder("${this.source}"): no NATS connection`, {
                cause: err,
              }),
            ),
        );
        return;
      }
      if (this.#js === undefined) return;
      this.#ready = import('./ensurePartialStreams.js').then(({ ensurePartialStreams }) =>
        ensurePartialStreams(this.#nc as NatsConnection, this.#ensureOptions),
      );
      this.#ready.then(
        () => {
          this.#streamsReady = true;
          this.#pump();
        },
        (err) => {
          this.#ready = undefined;
          this.#retry(err);
        },
      );
      return;
    }
    while (this.#inFlight < this.#maxInFlight && this.#head < this.#queue.length) {
      const item = this.#queue[this.#head] as Pending;
      this.#head++;
      this.#inFlight++;
      this.#publish(item);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #publish(item: Pending): void {
    (this.#js as JetStreamClient)
      .publish(item.subject, item.body, { msgID: item.msgID, timeout: this.#timeoutMs })
      .then(
        (ack) => {
          this.#inFlight--;
          if (ack.duplicate) this.#duplicates++;
          else this.#published++;
          this.#settled();
        },
        (err) => {
          this.#inFlight--;
          // Back to the front: it goes again with the same message ID, so if this attempt did
          // land, JetStream keeps one copy.
          if (this.#head > 0) this.#queue[--this.#head] = item;
          else this.#queue.unshift(item);
          this.#retry(err);
        },
      );
  }

  #retry(err: unknown): void {
    if (this.#failed !== undefined || this.#abandoned) return;
    if (this.#nc?.isClosed()) {
      this.#fail(
        new MetrixError(
          ErrorCode.BACKEND_UNAVAILABLE,
          `PartialForwarder("${this.source}"): the NATS connection is closed`,
          {
            cause: err,
          },
        ),
      );
      return;
    }
    this.#retries++;
    this.emit(
      'retry',
      new MetrixError(
        ErrorCode.BACKEND_UNAVAILABLE,
        `PartialForwarder("${this.source}"): a publish failed; trying again`,
        {
          cause: err,
        },
      ),
    );
    if (this.#retryTimer === undefined) {
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#pump();
      }, this.#retryDelayMs);
    }
  }

  #settled(): void {
    this.#pump();
    if (this.#needDrain && this.#pending() < this.#highWaterMark) {
      this.#needDrain = false;
      this.emit('drain');
    }
    if (this.#pending() === 0) this.#wake();
  }

  #fail(err: Error): void {
    this.#failed = err;
    clearTimeout(this.#retryTimer);
    this.#wake();
    this.emit('error', err);
  }

  #wake(): void {
    const idle = this.#idle.splice(0);
    for (const f of idle) f();
  }
}
