import { ErrorCode, MetrixError } from '../../MetrixError.js';
import { backoffDelay, type RetryPolicy, sleep } from './retry.js';

/** Callbacks and settings of a {@link Batcher}. */
export interface BatcherOptions {
  /** Items per batch; a full batch is sent at once (when a slot is free). */
  batchSize: number;
  /** Longest wait, in ms, between an item's arrival and its batch being sent; 0: no wait. */
  flushIntervalMs: number;
  /** Batches being sent or retried at the same time. */
  maxInFlight: number;
  retry: RetryPolicy;
  /** What a rejection (`ERR_METRIX_BACKEND_REJECTED`) does: fail everything, or drop that batch. */
  onRejected: 'error' | 'drop';
  /** Names the sink and its target in error messages. */
  what: string;
  /**
   * Sends one batch. Resolves when the backend has acknowledged it. Rejects with a MetrixError
   * `ERR_METRIX_BACKEND_REJECTED` when retrying cannot help; any other rejection is retried.
   * Must stop promptly when `signal` aborts.
   */
  send(items: readonly string[], signal: AbortSignal): Promise<void>;
  /** A batch failed and will be sent again after `delayMs`. */
  onRetry(error: Error, retry: number, delayMs: number): void;
  /** A rejected batch of `count` items was dropped (`onRejected: 'drop'`). */
  onDropped(error: MetrixError, count: number): void;
  /** The batcher failed for good (retries exhausted, or a rejection under `'error'`). */
  onFailure(error: MetrixError): void;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Collects formatted items into batches and sends them with bounded concurrency, retrying each
 * failed batch whole with exponential backoff.
 *
 * Bounds: `add()` returns a Promise — the caller must wait — when the open batch is full and all
 * `maxInFlight` slots are taken, so at most `(maxInFlight + 1) · batchSize` items are held.
 * A batch is sent when it is full, when `flushIntervalMs` has passed since its first item, or on
 * `flush()`. Batches are never split or merged once sent, so a retry resends exactly the items
 * of the failed attempt. Timers: the flush timer is unreferenced (holding data must not keep a
 * process alive — `flush()` is the way to deliver it); backoff timers are referenced while a
 * retry is under way. `destroy()` clears both and aborts what is in flight.
 */
export class Batcher {
  readonly #o: BatcherOptions;
  readonly #abort = new AbortController();
  #open: string[] = [];
  /** The open batch must go as soon as a slot is free (full, timer fired, or flushing). */
  #due = false;
  #flushing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight = 0;
  /** Items in the batches being sent or retried. */
  #inFlightItems = 0;
  /** Items held when the batcher failed or was destroyed (accepted, never acknowledged). */
  #lost: number | undefined;
  #failure: MetrixError | undefined;
  #slotWaiter: Waiter | undefined;
  #idleWaiters: Waiter[] = [];
  /** Items the backend acknowledged. */
  sent = 0;
  /** Retries made, over all batches. */
  retries = 0;
  /** Items dropped after a rejection under `onRejected: 'drop'`. */
  dropped = 0;

  constructor(options: BatcherOptions) {
    this.#o = options;
  }

  /** Batches being sent or waiting for a retry. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Items in the open batch, not yet sent. */
  get pending(): number {
    return this.#open.length;
  }

  /**
   * Items `add()` accepted (its call returned, or its Promise resolved) that were never
   * acknowledged: those held now — the open batch and the batches in flight — or, once the
   * batcher failed or was destroyed, those it held then and lost. An item whose `add()` still
   * waits for a slot is not counted: its caller has not been told it was accepted.
   */
  get undelivered(): number {
    return this.#lost ?? this.#held();
  }

  #held(): number {
    return this.#open.length + this.#inFlightItems - (this.#slotWaiter === undefined ? 0 : 1);
  }

  /**
   * Adds one item. Returns nothing when it was accepted at once, or a Promise that resolves when
   * the full batch it completed got a slot (backpressure).
   * @throws the batcher's failure, once it has failed.
   */
  add(item: string): void | Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    this.#open.push(item);
    if (this.#open.length >= this.#o.batchSize || this.#o.flushIntervalMs === 0) {
      this.#due = true;
    } else if (this.#open.length === 1) {
      this.#timer = setTimeout(this.#onTimer, this.#o.flushIntervalMs);
      this.#timer.unref?.();
    }
    this.#pump();
    if (this.#open.length < this.#o.batchSize) return;
    return new Promise((resolve, reject) => {
      this.#slotWaiter = { resolve, reject };
    });
  }

  /**
   * Sends the open batch and resolves when every batch has been acknowledged (or dropped under
   * `onRejected: 'drop'`); rejects with the failure if the batcher fails. Items added meanwhile
   * are sent too.
   */
  flush(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    this.#flushing = true;
    const idle = new Promise<void>((resolve, reject) => {
      this.#idleWaiters.push({ resolve, reject });
    });
    this.#pump();
    return idle;
  }

  /** Stops everything at once: clears timers, aborts requests, forgets unsent items. */
  destroy(): void {
    this.#lost ??= this.#held();
    this.#abort.abort();
    this.#clearTimer();
    this.#open = [];
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#due = true;
    this.#pump();
  };

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Sends the open batch when it is due and a slot is free; settles waiters. */
  #pump(): void {
    if (this.#failure !== undefined || this.#abort.signal.aborted) return;
    const go = this.#due || this.#flushing;
    if (go && this.#open.length > 0 && this.#inFlight < this.#o.maxInFlight) {
      const batch = this.#open;
      this.#open = [];
      this.#due = false;
      this.#clearTimer();
      this.#inFlight++;
      this.#inFlightItems += batch.length;
      void this.#sendWithRetry(batch).then(() => {
        this.#inFlight--;
        this.#inFlightItems -= batch.length;
        this.#pump();
      });
      const waiter = this.#slotWaiter;
      this.#slotWaiter = undefined;
      waiter?.resolve();
    }
    if (this.#flushing && this.#open.length === 0 && this.#inFlight === 0) {
      this.#flushing = false;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w.resolve();
    }
  }

  /** Never rejects: a batch ends acknowledged, dropped, or as the batcher's failure. */
  async #sendWithRetry(batch: readonly string[]): Promise<void> {
    const signal = this.#abort.signal;
    const { retry } = this.#o;
    for (let attempt = 0; ; attempt++) {
      let error: Error;
      try {
        await this.#o.send(batch, signal);
        this.sent += batch.length;
        return;
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
      }
      if (signal.aborted || this.#failure !== undefined) return;
      if (MetrixError.is(error, ErrorCode.BACKEND_REJECTED)) {
        if (this.#o.onRejected === 'drop') {
          this.dropped += batch.length;
          this.#o.onDropped(error, batch.length);
          return;
        }
        this.#fail(error);
        return;
      }
      if (attempt >= retry.maxRetries) {
        // Name everything lost with this failure, not only this batch: the other batches in
        // flight and the open one go with it (a report of "a batch of 10" hid 230 lost elements).
        const held = this.#held();
        const others = held - batch.length;
        this.#fail(
          new MetrixError(
            ErrorCode.BACKEND_UNAVAILABLE,
            `${this.#o.what}: gave up on a batch of ${batch.length} after ${attempt} ${attempt === 1 ? 'retry' : 'retries'}: ${error.message}; ${held} accepted ${held === 1 ? 'element was' : 'elements were'} not delivered (that batch${others > 0 ? ` and ${others} more in the other batches held` : ''})`,
            { cause: error },
          ),
        );
        return;
      }
      const delayMs = backoffDelay(retry, attempt + 1);
      this.retries++;
      this.#o.onRetry(error, attempt + 1, delayMs);
      if (!(await sleep(delayMs, signal))) return;
      if (this.#failure !== undefined) return;
    }
  }

  #fail(error: MetrixError): void {
    if (this.#failure !== undefined) return;
    this.#lost ??= this.#held();
    this.#failure = error;
    // The other batches in flight cannot be reported one by one: stop them; the error stands
    // for everything not acknowledged.
    this.#abort.abort();
    this.#clearTimer();
    const waiters = [...this.#idleWaiters, ...(this.#slotWaiter ? [this.#slotWaiter] : [])];
    this.#idleWaiters = [];
    this.#slotWaiter = undefined;
    for (const w of waiters) w.reject(error);
    this.#o.onFailure(error);
  }
}
