import { describe } from '../internal/describe.js';
import { positiveInteger } from '../internal/validate.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';
import { Batcher } from './transport/Batcher.js';
import { type RetryOptions, retryPolicy } from './transport/retry.js';

export type { RetryOptions };

/**
 * Options every batching network sink shares: {@link MSinkOpenTSDB}, {@link MSinkGraphite}, {@link MSinkInflux}.
 * @category Sinks
 */
export interface MSinkNetworkOptions extends MSinkOptions {
  /** Elements per request or connection (default 500). A full batch is sent at once. */
  batchSize?: number;
  /**
   * Longest time, in ms, an element waits for its batch to fill before the batch is sent anyway
   * (default 1000). `0` sends whatever has gathered as soon as a request slot is free.
   */
  flushIntervalMs?: number;
  /**
   * Batches being sent or retried at the same time (default 1, which also keeps batches in
   * order). When all are busy and the next batch is full, the sink stops accepting elements
   * (`write()` returns `false` once `highWaterMark` more are queued) until the backend answers.
   */
  maxInFlight?: number;
  /** Longest silence, in ms, of one request or connection before it counts as failed (default 10 000). */
  timeoutMs?: number;
  /** Backoff of retries: see {@link RetryOptions}. */
  retry?: RetryOptions;
  /**
   * What a batch the backend rejects (an HTTP 4xx) does. `'error'` (default): the sink fails with
   * `ERR_METRIX_BACKEND_REJECTED`. `'drop'`: the batch is dropped, counted in `rejectedCount`,
   * reported by a `'rejected'` event, and the sink goes on.
   */
  onRejected?: 'error' | 'drop';
}

/**
 * Base of the sinks that push batches to a time-series database over the network. It turns
 * elements into lines (a subclass's {@link MSinkNetwork.format}), gathers them into batches,
 * sends each batch with {@link MSinkNetwork.sendBatch} and retries it whole, with exponential
 * backoff, until the backend acknowledges it.
 *
 * Guarantees, given a backend that acknowledges only what it stored:
 * - **no loss** while the sink lives: an element is released only when the backend acknowledged
 *   its batch; a failed attempt (refused, reset, timeout, HTTP 408/429/5xx) is retried up to
 *   `retry.maxRetries` times, then the sink fails with `ERR_METRIX_BACKEND_UNAVAILABLE`, whose
 *   message says how many elements were in the batch it gave up on and how many it had accepted
 *   and not delivered in all ({@link MSinkNetwork.undeliveredCount});
 * - **at-least-once**: a batch is retried whole, so the elements of an attempt that the backend
 *   stored but could not acknowledge (the answer or the connection's close was lost, e.g. a
 *   server shutting down that closes the connection without answering) are stored twice, with the
 *   same timestamp and value;
 * - for protocols without acknowledgements (Graphite, OpenTSDB telnet), a server that shuts down
 *   may read a batch and close the connection in order without storing it, which looks like its
 *   acknowledgement: up to `maxInFlight` batches in flight at that moment can be lost;
 * - **bounded memory**: at most `(maxInFlight + 1) · batchSize` elements plus `highWaterMark`
 *   queued writes are held; beyond that `write()` returns `false` until the backend answers;
 * - a rejection (4xx) fails the sink at once with `ERR_METRIX_BACKEND_REJECTED` and the
 *   backend's message — or drops that batch under `onRejected: 'drop'` — and is never retried.
 *
 * `end()` sends what is held and waits for every acknowledgement before `'finish'`; then no
 * socket, agent or timer of the sink is left. `destroy()` stops at once and forgets unsent data.
 *
 * Events besides the Writable ones: `'retry'` `(error, retry, delayMs)` before each retry;
 * `'rejected'` `(error, count)` for each batch dropped under `onRejected: 'drop'`.
 *
 * @example
 * ```ts
 * import { MSinkNetwork, type MElement } from 'metrix-stream';
 *
 * // A sink posting JSON lines; see MSinkInflux for a complete one.
 * class MSinkJsonLines extends MSinkNetwork {
 *   protected format(element: MElement): string {
 *     return JSON.stringify(element);
 *   }
 *   protected async sendBatch(lines: readonly string[], signal: AbortSignal): Promise<void> {
 *     const res = await fetch('http://127.0.0.1:9999/ingest', { method: 'POST', body: lines.join('\n'), signal });
 *     if (!res.ok) throw new Error(`HTTP ${res.status}`);
 *   }
 * }
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` at construction for an invalid option.
 * @see {@link MSinkOpenTSDB}, {@link MSinkGraphite}, {@link MSinkInflux}.
 * @category Sinks
 */
export abstract class MSinkNetwork extends MSink {
  /** Longest silence of one attempt, in ms (the `timeoutMs` option). */
  protected readonly timeoutMs: number;
  readonly #stallTimeoutMs: number;
  readonly #batcher: Batcher;

  /**
   * @param what - How error messages name the sink and its target, e.g. `MSinkInflux(http://…)`.
   */
  constructor(what: string, options: MSinkNetworkOptions = {}) {
    super(options);
    const {
      batchSize = 500,
      flushIntervalMs = 1000,
      maxInFlight = 1,
      timeoutMs = 10_000,
      retry,
      onRejected = 'error',
    } = options;
    positiveInteger(batchSize, `${what}: batchSize`);
    positiveInteger(maxInFlight, `${what}: maxInFlight`);
    positiveInteger(timeoutMs, `${what}: timeoutMs`);
    if (typeof flushIntervalMs !== 'number' || !Number.isFinite(flushIntervalMs) || flushIntervalMs < 0) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `${what}: flushIntervalMs must be a non-negative finite number, got ${describe(flushIntervalMs)}`,
        { input: flushIntervalMs },
      );
    }
    if (onRejected !== 'error' && onRejected !== 'drop') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}: onRejected must be 'error' or 'drop'`, {
        input: onRejected,
      });
    }
    this.timeoutMs = timeoutMs;
    const policy = retryPolicy(retry, what);
    // The longest healthy silence: an attempt that times out, then a backoff, and only then the
    // next 'retry' event (a sign of life to a coordinator). Twice that, and never under 60 s.
    this.#stallTimeoutMs = Math.max(60_000, 2 * (timeoutMs + policy.maxDelayMs));
    this.#batcher = new Batcher({
      batchSize,
      flushIntervalMs,
      maxInFlight,
      retry: policy,
      onRejected,
      what,
      send: (items, signal) => this.sendBatch(items, signal),
      onRetry: (error, retryNumber, delayMs) => this.emit('retry', error, retryNumber, delayMs),
      onDropped: (error, count) => this.emit('rejected', error, count),
      onFailure: (error) => this.destroy(error),
    });
  }

  /** Elements the backend has acknowledged. */
  get sentCount(): number {
    return this.#batcher.sent;
  }

  /** Retries made so far, over all batches. */
  get retryCount(): number {
    return this.#batcher.retries;
  }

  /** Elements dropped because the backend rejected their batch (`onRejected: 'drop'`). */
  get rejectedCount(): number {
    return this.#batcher.dropped;
  }

  /** Batches being sent or waiting for a retry. */
  get inFlightCount(): number {
    return this.#batcher.inFlight;
  }

  /**
   * A coordinator's default stall timeout for this sink: twice its longest healthy silence
   * (`timeoutMs` + `retry.maxDelayMs`), at least 60 s, so that a slow but working backend is
   * never taken for hung.
   */
  override get stallTimeoutMs(): number {
    return this.#stallTimeoutMs;
  }

  /**
   * Elements accepted but not acknowledged by the backend: in the open batch or in flight, or,
   * after a failure or `destroy()`, those lost then.
   */
  override get undeliveredCount(): number {
    return this.#batcher.undelivered;
  }

  /** One element as one line (or one JSON item) of the wire format. */
  protected abstract format(element: MElement): string;

  /**
   * Sends one batch and resolves when the backend acknowledged it. Reject with a MetrixError
   * `ERR_METRIX_BACKEND_REJECTED` when sending it again cannot succeed; any other rejection is
   * retried. Stop promptly when `signal` aborts.
   */
  protected abstract sendBatch(lines: readonly string[], signal: AbortSignal): Promise<void>;

  /** Releases the transport (agents, sockets); called once at the end, after success or failure. */
  protected closeTransport(): void {}

  protected override handle(element: MElement): void | Promise<void> {
    return this.#batcher.add(this.format(element));
  }

  protected override async finalize(): Promise<void> {
    try {
      await this.#batcher.flush();
    } finally {
      this.closeTransport();
    }
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#batcher.destroy();
    this.closeTransport();
    callback(error);
  }
}
