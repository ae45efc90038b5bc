import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { ObjectWritable } from '../sinks/toSink.js';

/** How a {@link SinkLane} reports to its coordinator. */
export interface SinkLaneHooks {
  /** The lane's queue went from full to not full (or the lane failed while full). */
  onRoom(): void;
  /** The sink failed: its `'error'`, a failed write, or a `'close'` before it finished. Once. */
  onFail(lane: SinkLane, cause: unknown): void;
}

type LaneState = 'open' | 'ending' | 'ended' | 'finished' | 'failed' | 'stopped';

/**
 * One sink's delivery lane inside a coordinator: a bounded FIFO queue of elements, drained into
 * the sink in order, spaced by the sink's rate limit.
 *
 * Why a queue per sink: a sink that is slow for a moment (a network round trip) should not stop
 * the others at once. The queue lets it fall up to `capacity` elements behind; beyond that the
 * lane reports itself {@link SinkLane.full} and the coordinator stops reading its streams, so the
 * slowest sink paces everything — the price of losing nothing with bounded memory.
 *
 * Without a rate limit, elements are written while the sink's `write()` returns `true`, then the
 * lane waits for `'drain'`: the sink's own buffer (its `highWaterMark`) is used. With a rate limit
 * the lane writes one element, waits until the sink has handled it (the write callback) and until
 * `rateLimitMs` have passed since that element was handed over, then writes the next: elements
 * reach the sink's handler at least `rateLimitMs` apart, never dropped.
 */
export class SinkLane {
  readonly sink: ObjectWritable;
  /** Position of the sink in the coordinator, for messages. */
  readonly index: number;
  readonly rateLimitMs: number;
  readonly capacity: number;
  /** Elements the sink acknowledged (write callback without error). */
  delivered = 0;
  /** Elements that never reached the sink because it failed or the lane was stopped. */
  dropped = 0;

  readonly #hooks: SinkLaneHooks;
  #queue: MElement[] = [];
  #busy = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #state: LaneState = 'open';
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(sink: ObjectWritable, index: number, rateLimitMs: number, capacity: number, hooks: SinkLaneHooks) {
    this.sink = sink;
    this.index = index;
    this.rateLimitMs = rateLimitMs;
    this.capacity = capacity;
    this.#hooks = hooks;
    this.#done = new Promise<void>((resolve) => {
      this.#resolveDone = resolve;
    });
    // Never removed: an 'error' a sink emits late (after it failed or finished) must not crash.
    sink.on('error', (err: unknown) => this.#fail(err));
    sink.on('finish', () => {
      if (this.#state === 'ended') {
        this.#state = 'finished';
        this.#resolveDone();
      }
    });
    sink.on('close', () => {
      if (this.#state === 'open' || this.#state === 'ending' || this.#state === 'ended') {
        this.#fail(new MetrixError(ErrorCode.CLOSED, 'the sink was closed before the coordinator ended it'));
      }
    });
  }

  /** Whether the queue holds `capacity` elements: the coordinator must stop reading. */
  get full(): boolean {
    return this.#queue.length >= this.capacity && (this.#state === 'open' || this.#state === 'ending');
  }

  /** Elements waiting in the queue. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Whether the sink failed. */
  get failed(): boolean {
    return this.#state === 'failed';
  }

  /** Queues one element (dropped and counted when the sink failed or the lane was stopped). */
  push(element: MElement): void {
    if (this.#state !== 'open' && this.#state !== 'ending') {
      this.dropped++;
      return;
    }
    this.#queue.push(element);
    if (!this.#busy) this.#pump();
  }

  /**
   * Delivers what is queued, then ends the sink. Resolves when the sink emitted `'finish'`, or
   * when it failed (the failure goes to `onFail`, not to this promise).
   */
  end(): Promise<void> {
    if (this.#state === 'open') {
      this.#state = 'ending';
      if (!this.#busy) this.#pump();
    }
    return this.#done;
  }

  /** Abandons the queue, clears the timer and destroys the sink if it has not finished. */
  stop(): void {
    // A failed lane stays failed (it was cleared then); a finished one has nothing to stop.
    if (this.#state === 'finished' || this.#state === 'stopped' || this.#state === 'failed') return;
    this.#state = 'stopped';
    this.#clear();
    this.sink.destroy();
    this.#resolveDone();
  }

  #pump(): void {
    while (!this.#busy) {
      if (this.#state !== 'open' && this.#state !== 'ending') return;
      if (this.#queue.length === 0) {
        if (this.#state === 'ending') {
          this.#state = 'ended';
          try {
            this.sink.end();
          } catch (err) {
            this.#fail(err);
          }
        }
        return;
      }
      if (this.rateLimitMs > 0) {
        const wait = this.#lastWriteAt + this.rateLimitMs - performance.now();
        if (wait > 0) {
          this.#busy = true;
          this.#timer = setTimeout(this.#afterWait, wait);
          return;
        }
      }
      const wasFull = this.#queue.length >= this.capacity;
      const element = this.#queue.shift() as MElement;
      this.#lastWriteAt = performance.now();
      try {
        if (this.rateLimitMs > 0) {
          // One at a time: the next element is spaced from this one's hand-over and waits until
          // the sink has handled it, so a sink that buffers cannot bunch elements together.
          this.#busy = true;
          this.sink.write(element, this.#afterRateLimitedWrite);
        } else if (!this.sink.write(element, this.#afterWrite)) {
          this.#busy = true;
          this.sink.once('drain', this.#afterDrain);
        }
      } catch (err) {
        // A hand-made Writable may throw from write(): that sink failed, not the coordinator.
        this.#fail(err);
        return;
      }
      if (wasFull && this.#queue.length < this.capacity) this.#hooks.onRoom();
    }
  }

  readonly #afterWait = (): void => {
    this.#timer = undefined;
    this.#busy = false;
    this.#pump();
  };

  readonly #afterWrite = (err?: Error | null): void => {
    if (err) this.#fail(err);
    else this.delivered++;
  };

  readonly #afterRateLimitedWrite = (err?: Error | null): void => {
    if (err) {
      this.#fail(err);
      return;
    }
    this.delivered++;
    this.#busy = false;
    this.#pump();
  };

  readonly #afterDrain = (): void => {
    this.#busy = false;
    this.#pump();
  };

  #fail(cause: unknown): void {
    if (this.#state === 'failed' || this.#state === 'stopped' || this.#state === 'finished') return;
    const wasFull = this.full;
    this.#state = 'failed';
    this.#clear();
    this.#hooks.onFail(this, cause);
    if (wasFull) this.#hooks.onRoom();
    this.#resolveDone();
  }

  #clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.dropped += this.#queue.length;
    this.#queue = [];
  }
}
