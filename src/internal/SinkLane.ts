import type { DropReason, MSinkState } from '../MCoordinatorStats.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { ObjectWritable } from '../sinks/toSink.js';

/** How a {@link SinkLane} reports to its coordinator. */
export interface SinkLaneHooks {
  /** The lane's queue went from full to not full (or the lane was detached while full). */
  onRoom(): void;
  /** The sink failed: its `'error'`, a failed write, or a `'close'` before it finished. Once. */
  onFail(lane: SinkLane, cause: unknown): void;
  /** The sink owed an answer and gave no sign of life for `idleMs` (its stall timeout); it was detached. */
  onStall(lane: SinkLane, idleMs: number): void;
}

/** Settings of a {@link SinkLane}. */
export interface SinkLaneOptions {
  /** Minimum ms between two hand-overs; 0: none. */
  rateLimitMs: number;
  /** Elements the queue holds before the lane reports itself full. */
  capacity: number;
  /** Longest silence, in ms, of a sink that owes an answer before it is detached; `Infinity`: never. */
  stallTimeoutMs: number;
}

type State = 'open' | 'ending' | 'ended' | 'finished' | DropReason;

/**
 * One sink's delivery lane inside a coordinator: a bounded FIFO queue of elements, drained into
 * the sink in order, spaced by the sink's rate limit, watched for stalls.
 *
 * Why a queue per sink: a sink that is slow for a moment (a network round trip) should not stop
 * the others at once. The queue lets it fall up to `capacity` elements behind; beyond that the
 * lane reports itself {@link SinkLane.full} and the coordinator stops reading its streams, so the
 * slowest sink paces everything — the price of losing nothing with bounded memory.
 *
 * Why a stall watch: that pacing means one sink that never answers would stop every other sink
 * for ever. While the sink owes an answer (a write not called back, a `'drain'` or a `'finish'`
 * awaited) and gives no sign of life — a write callback, a `'drain'`, a `'retry'` event (a network
 * sink working on an outage) — for `stallTimeoutMs`, the lane detaches it, destroys it and
 * reports it; the others go on. The watch is one timer per lane, checking once per period, and
 * referenced only once the lane is ending (a `close()` waits for it); before that it never keeps
 * a process alive.
 *
 * Without a rate limit, elements are written while the sink's `write()` returns `true`, then the
 * lane waits for `'drain'`: the sink's own buffer (its `highWaterMark`) is used. With a rate limit
 * the lane writes one element, waits until the sink has handled it (the write callback) and until
 * `rateLimitMs` have passed since that element was handed over, then writes the next: elements
 * reach the sink's handler at least `rateLimitMs` apart, never dropped.
 *
 * Accounting, which always adds up: `received = delivered + queued + unacknowledged + Σ dropped`.
 * When a sink is detached, what it had acknowledged but still held (its `undeliveredCount`, e.g.
 * a network sink's unsent batches) moves from `delivered` to `dropped`.
 */
export class SinkLane {
  readonly sink: ObjectWritable;
  /** Position of the sink in the coordinator, for messages. */
  readonly index: number;
  readonly rateLimitMs: number;
  readonly capacity: number;
  readonly stallTimeoutMs: number;
  /** Elements pushed to the lane, dropped ones included. */
  received = 0;
  /** Elements the sink acknowledged (write callback without error) and did not lose afterwards. */
  delivered = 0;
  /** Elements that never reached the sink, or that it held when it was detached, by reason. */
  readonly dropped: Record<DropReason, number> = { failed: 0, stalled: 0, closeTimeout: 0, destroyed: 0 };
  /** `'retry'` events of the sink (a network sink retrying a batch). */
  retries = 0;

  readonly #hooks: SinkLaneHooks;
  #queue: MElement[] = [];
  /** Writes handed to the sink and not yet called back. */
  #unacked = 0;
  #busy = false;
  #awaitingDrain = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  /** A sign of life came since the stall timer was (re)armed. A flag, not a time stamp: cheap per element. */
  #progressed = false;
  #state: State = 'open';
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(sink: ObjectWritable, index: number, options: SinkLaneOptions, hooks: SinkLaneHooks) {
    this.sink = sink;
    this.index = index;
    this.rateLimitMs = options.rateLimitMs;
    this.capacity = options.capacity;
    this.stallTimeoutMs = options.stallTimeoutMs;
    this.#hooks = hooks;
    this.#done = new Promise<void>((resolve) => {
      this.#resolveDone = resolve;
    });
    // Never removed: an 'error' a sink emits late (after it failed or finished) must not crash.
    sink.on('error', (err: unknown) => this.#fail(err));
    sink.on('finish', () => {
      if (this.#state === 'ended') {
        this.#state = 'finished';
        this.#clearStallTimer();
        this.#resolveDone();
      }
    });
    sink.on('close', () => {
      if (this.#live || this.#state === 'ended') {
        this.#fail(new MetrixError(ErrorCode.CLOSED, 'the sink was closed before the coordinator ended it'));
      }
    });
    // A network sink retrying a batch is working, not stalled.
    sink.on('retry', () => {
      this.retries++;
      this.#progress();
    });
  }

  /** Whether the queue holds `capacity` elements: the coordinator must stop reading. */
  get full(): boolean {
    return this.#queue.length >= this.capacity && this.#live;
  }

  /** Elements waiting in the queue. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Elements handed to the sink that it has not called back yet. */
  get unacknowledged(): number {
    return this.#unacked;
  }

  /** Elements received that the sink has not delivered (queued, unacknowledged or dropped). */
  get undelivered(): number {
    return this.received - this.delivered;
  }

  /** What the lane is doing; a detached lane says why it was detached. */
  get state(): MSinkState {
    if (this.#state === 'ending' || this.#state === 'ended') return 'closing';
    return this.#state;
  }

  /** Whether the lane still delivers (not finished, failed, stalled or stopped). */
  get #live(): boolean {
    return this.#state === 'open' || this.#state === 'ending';
  }

  /** Queues one element (dropped and counted when the sink was detached or has ended). */
  push(element: MElement): void {
    this.received++;
    if (!this.#live) {
      this.dropped[this.#dropReason()]++;
      return;
    }
    this.#queue.push(element);
    if (!this.#busy) this.#pump();
  }

  /**
   * Delivers what is queued, then ends the sink. Resolves when the sink emitted `'finish'`, or
   * when it was detached (a failure goes to `onFail`, a stall to `onStall`, not to this promise).
   */
  end(): Promise<void> {
    if (this.#state === 'open') {
      this.#state = 'ending';
      // From now on a close() waits for the stall verdict: the watch must keep the process up.
      this.#stallTimer?.ref?.();
      if (!this.#busy) this.#pump();
    }
    return this.#done;
  }

  /**
   * Detaches the sink for `reason` (`'destroyed'`: the coordinator was destroyed;
   * `'closeTimeout'`: its close deadline passed): counts what it did not deliver, clears the
   * timers and destroys the sink. Nothing is reported through the hooks. A lane that finished
   * or was already detached is left as it is.
   */
  stop(reason: 'destroyed' | 'closeTimeout' = 'destroyed'): void {
    if (!this.#live && this.#state !== 'ended') return;
    this.#detach(reason);
    this.sink.destroy();
  }

  #dropReason(): DropReason {
    const s = this.#state;
    // An element pushed after the lane ended cannot happen through a coordinator (its streams
    // have ended by then); count it as dropped on destroy rather than lose it from the sum.
    return s === 'failed' || s === 'stalled' || s === 'closeTimeout' ? s : 'destroyed';
  }

  #pump(): void {
    while (!this.#busy) {
      if (!this.#live) return;
      if (this.#queue.length === 0) {
        if (this.#state === 'ending') {
          // Watched from here: a sink whose end never finishes (a finalize that hangs) stalls too.
          this.#watch();
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
      this.#watch();
      this.#unacked++;
      try {
        if (this.rateLimitMs > 0) {
          // One at a time: the next element is spaced from this one's hand-over and waits until
          // the sink has handled it, so a sink that buffers cannot bunch elements together.
          this.#busy = true;
          this.sink.write(element, this.#afterRateLimitedWrite);
        } else if (!this.sink.write(element, this.#afterWrite) && this.#live) {
          // (A sink may fail inside write(); a detached lane waits for nothing.)
          this.#busy = true;
          this.#awaitingDrain = true;
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
    // A callback after the lane was detached: that element was already counted as dropped.
    if (!this.#live && this.#state !== 'ended') return;
    if (err) {
      // Still counted as unacknowledged, so the failure counts it as dropped.
      this.#fail(err);
      return;
    }
    this.#unacked--;
    this.delivered++;
    this.#progress();
  };

  readonly #afterRateLimitedWrite = (err?: Error | null): void => {
    if (!this.#live && this.#state !== 'ended') return;
    if (err) {
      // Still counted as unacknowledged, so the failure counts it as dropped.
      this.#fail(err);
      return;
    }
    this.#unacked--;
    this.delivered++;
    this.#progress();
    this.#busy = false;
    this.#pump();
  };

  readonly #afterDrain = (): void => {
    this.#awaitingDrain = false;
    this.#progress();
    this.#busy = false;
    this.#pump();
  };

  /** Whether the sink owes an answer: an unacknowledged write, a `'drain'` or a `'finish'`. */
  #owed(): boolean {
    return this.#unacked > 0 || this.#awaitingDrain || this.#state === 'ended';
  }

  /** The sink is about to owe an answer: make sure the stall watch runs. */
  #watch(): void {
    if (this.#stallTimer !== undefined || this.stallTimeoutMs === Number.POSITIVE_INFINITY) return;
    this.#arm();
  }

  /**
   * One timer per lane, checking every `stallTimeoutMs` while the sink owes answers: a sink
   * that owed one through a whole period without any sign of life is stalled. So a sink silent
   * from the moment it was given work is detached exactly `stallTimeoutMs` later; one that
   * answered and then went silent, between one and two periods after its last answer. Why not a
   * time stamp per answer: that cost more than the rest of the lane's work per element.
   *
   * Unreferenced while the coordinator runs (a program that is done must be able to exit even
   * with a sink that owes an answer); referenced once it is ending, since a `close()` then waits
   * for the verdict.
   */
  #arm(): void {
    this.#progressed = false;
    this.#stallTimer = setTimeout(this.#checkStall, this.stallTimeoutMs);
    if (this.#state === 'open') this.#stallTimer.unref?.();
  }

  /** A sign of life. */
  #progress(): void {
    this.#progressed = true;
  }

  readonly #checkStall = (): void => {
    this.#stallTimer = undefined;
    if (!this.#owed() || (!this.#live && this.#state !== 'ended')) return;
    if (this.#progressed) {
      this.#arm();
      return;
    }
    const wasFull = this.full;
    this.#detach('stalled');
    this.sink.destroy();
    this.#hooks.onStall(this, this.stallTimeoutMs);
    if (wasFull) this.#hooks.onRoom();
  };

  #clearStallTimer(): void {
    if (this.#stallTimer !== undefined) clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
  }

  #fail(cause: unknown): void {
    if (!this.#live && this.#state !== 'ended') return;
    const wasFull = this.full;
    this.#detach('failed');
    this.#hooks.onFail(this, cause);
    if (wasFull) this.#hooks.onRoom();
  }

  /** Moves everything not delivered into `dropped[reason]`, clears both timers, settles `end()`. */
  #detach(reason: DropReason): void {
    this.#state = reason;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#clearStallTimer();
    if (this.#awaitingDrain) this.sink.removeListener('drain', this.#afterDrain);
    this.#awaitingDrain = false;
    const held = Math.min(heldBy(this.sink), this.delivered);
    this.delivered -= held;
    this.dropped[reason] += this.#queue.length + this.#unacked + held;
    this.#queue = [];
    this.#unacked = 0;
    this.#resolveDone();
  }
}

/** What a sink acknowledged but has not delivered (an MSink's `undeliveredCount`), else 0. */
function heldBy(sink: ObjectWritable): number {
  const held = (sink as { undeliveredCount?: unknown }).undeliveredCount;
  return typeof held === 'number' && held > 0 ? held : 0;
}
