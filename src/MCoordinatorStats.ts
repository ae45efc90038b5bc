import type { MetrixError } from './MetrixError.js';
import type { MStreamStats } from './MStream.js';
import type { ObjectWritable } from './sinks/toSink.js';

/**
 * Why elements that reached a sink's lane were not delivered by that sink: it `'failed'` (an
 * error), `'stalled'` (no progress for its stall timeout), `'closeTimeout'` (still busy when
 * `close({ timeoutMs })` reached its deadline) or `'destroyed'` (the coordinator was destroyed).
 */
export type DropReason = 'failed' | 'stalled' | 'closeTimeout' | 'destroyed';

/** What one sink's lane is doing: delivering, ending, finished, or detached and why. */
export type MSinkState = 'open' | 'closing' | 'finished' | DropReason;

/** One sink's figures in {@link MCoordinatorStats}. */
export interface MSinkStats {
  /** Position of the sink in `mc.msinks`. */
  readonly index: number;
  /** The sink's name, as `toString()` and `visualize()` show it. */
  readonly label: string;
  readonly state: MSinkState;
  /** Aggregated elements handed to this sink's lane since it was added. */
  readonly in: number;
  /** Elements the sink acknowledged (and, when it was detached, did not still hold). */
  readonly out: number;
  /** Elements waiting in its queue (at most `sinkQueueSize`, plus what a full lane let in). */
  readonly queued: number;
  /** Elements written to the sink that it has not acknowledged yet. */
  readonly inFlight: number;
  /** `'retry'` events of the sink (a network sink retrying a batch). */
  readonly retries: number;
  /** Elements this sink will never deliver, by reason; `in = out + queued + inFlight + Σ dropped`. */
  readonly dropped: Readonly<Record<DropReason, number>>;
}

/** What {@link MCoordinator.stats} returns: a snapshot, not a live view. */
export interface MCoordinatorStats {
  /** Values routed into a stream: `send()`, `time()`, a timer's `stop()`, written elements. */
  readonly elementsIn: number;
  /** Aggregated elements the streams produced (each goes to every sink). */
  readonly elementsOut: number;
  /** Streams in the coordinator, those created on demand included. */
  readonly streams: number;
  /** Each stream's own {@link MStreamStats}, by name (values in, windows, series, late, …). */
  readonly byStream: Readonly<Record<string, MStreamStats>>;
  /** Input and output the coordinator itself dropped, by reason. */
  readonly dropped: {
    /** Written with an unknown name under `onUnknown: 'drop'`. */
    readonly unknown: number;
    /** Invalid input under `onInvalid: 'drop'`. */
    readonly invalid: number;
    /** Addressed to a new name when `maxStreams` streams existed already. */
    readonly cardinalityLimit: number;
    /** Aggregated elements produced while the coordinator had no sink. */
    readonly noSink: number;
  };
  /** Per sink, in the order added. */
  readonly sinks: readonly MSinkStats[];
  /** Sinks detached because they failed, stalled or passed the close deadline. */
  readonly detached: number;
}

/** One sink's share of what a `close()` did not deliver. */
export interface SinkUndelivered {
  readonly index: number;
  readonly label: string;
  readonly sink: ObjectWritable;
  readonly state: MSinkState;
  /** Aggregated elements that never reached, or never left, this sink. */
  readonly count: number;
}

/**
 * The error `close()` rejects with when not everything was delivered: an
 * `ERR_METRIX_CLOSE_TIMEOUT`, or the first sink's `ERR_METRIX_SINK_FAILED` /
 * `ERR_METRIX_SINK_STALLED`. `undelivered` lists every sink that missed something, with its
 * exact count, and every sink the deadline cut off before it finished (with a count of 0 when it
 * had received everything but not ended); it is complete: every element the streams produced is
 * accounted for.
 */
export interface MetrixDeliveryError extends MetrixError {
  readonly undelivered: readonly SinkUndelivered[];
}
