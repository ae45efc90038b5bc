import type { Aggregator } from '../aggregators/Aggregator.js';
import { aggregateWindow } from '../engine/aggregateWindow.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { decodePartial } from './decodePartial.js';
import { MergedWindow, type StreamPlan } from './MergedWindow.js';

/** The part of a delivered JetStream message the merge uses (a `JsMsg` has it). @internal */
export interface Delivery {
  readonly data: Uint8Array;
  readonly redelivered: boolean;
  ack(): void;
  nak(): void;
  term(): void;
}

/** What a {@link PartitionMerge} calls out to. @internal */
export interface PartitionHooks {
  /** Hands the final aggregates of closed windows to the sink; resolves once it has taken them all. */
  emit(elements: MElement[]): Promise<void>;
  /** Records durably that every window ending at or before `closedUpTo` was emitted. */
  commit(partition: number, closedUpTo: number): Promise<void>;
  /** A partial for a window already emitted: acknowledged, not merged. */
  late(error: MetrixError): void;
  /** A partial that cannot be merged (malformed, unknown stream, missing state): terminated. */
  invalid(error: MetrixError): void;
  /** A final aggregate that is not a finite number: dropped. */
  invalidResult(error: MetrixError): void;
}

/** Counts of one partition's merge. @internal */
export interface PartitionCounts {
  received: number;
  applied: number;
  duplicates: number;
  late: number;
  /** Partials delivered again after their window was emitted (before a crash or a reconnection): acknowledged, not merged. */
  replayed: number;
  invalid: number;
  windows: number;
  elements: number;
}

/** Counts all at zero: a partition's start, and the start of a sum over partitions. @internal */
export function zeroCounts(): PartitionCounts {
  return { received: 0, applied: 0, duplicates: 0, late: 0, replayed: 0, invalid: 0, windows: 0, elements: 0 };
}

/**
 * The merge of one partition: open windows by (stream, start), a watermark in the partials' own
 * time — the latest window start seen in this partition minus the allowed delay — and the
 * boundary up to which windows were emitted (`closedUpTo`, durable through `hooks.commit`).
 *
 * A window is emitted once the watermark reaches its end: its aggregates are handed to the sink,
 * the new boundary is committed, and only then are its partials acknowledged. So a process that
 * dies before the commit leaves every partial of the window unacknowledged (JetStream delivers
 * them all again: the window is rebuilt whole), and one that dies after it leaves at most
 * acknowledgements undone (the partials delivered again are late for an emitted window and are
 * only acknowledged). Calls must not overlap: the caller serializes them.
 * @internal
 */
export class PartitionMerge<M extends Delivery> {
  readonly partition: number;
  readonly counts: PartitionCounts = zeroCounts();
  /** Time of the last delivery, ms (wall clock), for idle flushing. */
  lastReceivedAt = Date.now();
  readonly #streams: Pick<ReadonlyMap<string, StreamPlan>, 'get'>;
  readonly #delayMs: number;
  readonly #hooks: PartitionHooks;
  readonly #open = new Map<string, MergedWindow<M>>();
  #closedUpTo: number;
  #maxStart = Number.NEGATIVE_INFINITY;

  constructor(
    partition: number,
    streams: Pick<ReadonlyMap<string, StreamPlan>, 'get'>,
    allowedDelayMs: number,
    closedUpTo: number,
    hooks: PartitionHooks,
  ) {
    this.partition = partition;
    this.#streams = streams;
    this.#delayMs = allowedDelayMs;
    this.#closedUpTo = closedUpTo;
    this.#hooks = hooks;
  }

  /** Windows ending at or before this were emitted. */
  get closedUpTo(): number {
    return this.#closedUpTo;
  }

  /** Windows open (partials held, unacknowledged). */
  get openWindows(): number {
    return this.#open.size;
  }

  /**
   * Merges one delivered partial, and emits the windows the watermark then passes. `seenBefore`:
   * the partial was delivered before (to this process or to the one it took over from).
   */
  async receive(msg: M, seenBefore = msg.redelivered): Promise<void> {
    this.counts.received++;
    this.lastReceivedAt = Date.now();
    let partial: ReturnType<typeof decodePartial>;
    let stream: StreamPlan | undefined;
    try {
      partial = decodePartial(msg.data);
      stream = this.#streams.get(partial.stream);
      if (stream === undefined) {
        throw new MetrixError(
          ErrorCode.UNKNOWN_METRIC,
          `a partial of stream "${partial.stream}", which this merging process has no agg for`,
          { input: partial.stream },
        );
      }
    } catch (err) {
      return this.#reject(msg, err as MetrixError);
    }
    if (partial.end <= this.#closedUpTo) {
      msg.ack();
      if (seenBefore) {
        // Handled already: merged into the window that was emitted, or reported late, before
        // its acknowledgement was lost (a crash, a reconnection). Not an error; counted.
        this.counts.replayed++;
        return;
      }
      this.counts.late++;
      this.#hooks.late(
        new MetrixError(
          ErrorCode.LATE_ELEMENT,
          `a partial of "${partial.stream}" {${partial.key}} from "${partial.source}" for the window ending ${new Date(partial.end).toISOString()}, already emitted: not merged`,
          { input: partial },
        ),
      );
      return;
    }
    const id = `${partial.stream}\u0000${partial.start}\u0000${partial.end}`;
    let window = this.#open.get(id);
    if (window === undefined) {
      window = new MergedWindow<M>(stream, partial.start, partial.end);
      this.#open.set(id, window);
    }
    try {
      if (window.apply(partial, msg)) this.counts.applied++;
      else this.counts.duplicates++;
    } catch (err) {
      if (window.count === 0) this.#open.delete(id);
      return this.#reject(msg, err as MetrixError);
    }
    // A partial of a window starting at s says its source is past s: windows ending at or
    // before s, less the allowed delay, are complete.
    if (partial.start > this.#maxStart) {
      this.#maxStart = partial.start;
      await this.#closeUpTo(this.#maxStart - this.#delayMs);
    }
  }

  /** Emits every open window (end of a job, or input idle for longer than the caller allows). */
  async flush(): Promise<void> {
    let last = this.#closedUpTo;
    for (const w of this.#open.values()) last = Math.max(last, w.end);
    await this.#closeUpTo(last);
  }

  /** Gives every held partial back to JetStream for another process (a close without flushing). */
  release(): void {
    for (const w of this.#open.values()) for (const msg of w.applied.values()) msg.nak();
    this.#open.clear();
  }

  #reject(msg: M, err: MetrixError): void {
    this.counts.invalid++;
    // Delivering it again cannot make it mergeable: it is terminated, and reported.
    msg.term();
    this.#hooks.invalid(err);
  }

  async #closeUpTo(watermark: number): Promise<void> {
    if (watermark <= this.#closedUpTo) return;
    const closing: MergedWindow<M>[] = [];
    for (const [id, w] of this.#open) {
      if (w.end <= watermark) {
        closing.push(w);
        this.#open.delete(id);
      }
    }
    // From here on, partials of these windows are late, whatever happens to the emit.
    this.#closedUpTo = watermark;
    if (closing.length === 0) return;
    closing.sort((a, b) => a.end - b.end || (a.stream.name < b.stream.name ? -1 : 1));
    const elements: MElement[] = [];
    const push = (el: MElement) => elements.push(el);
    for (const w of closing) {
      const { aggregators, outputNames } = w.stream;
      for (let i = 0; i < aggregators.length; i++) {
        aggregateWindow(w, aggregators[i] as Aggregator, outputNames[i] as string, push, this.#hooks.invalidResult);
      }
    }
    await this.#hooks.emit(elements);
    await this.#hooks.commit(this.partition, watermark);
    this.counts.windows += closing.length;
    this.counts.elements += elements.length;
    for (const w of closing) for (const msg of w.applied.values()) msg.ack();
  }
}
