// The coordinator's option and input types, apart from its long class; MCoordinator.ts
// re-exports them.
import type { TagsInput } from './MElement.js';
import type { MStream } from './MStream.js';
import type { MSinkLike } from './sinks/toSink.js';

/** Options of {@link MCoordinator}. */
export interface MCoordinatorOptions {
  /** Streams to route to, addressed by their `name`; more can be added with `addMStream`. */
  mstreams?: readonly MStream[];
  /** Sinks, in order; more can be added with `addMSink`. See {@link toSink} for what is accepted. */
  msinks?: readonly MSinkLike[];
  /**
   * Minimum **seconds** between two elements handed to a sink: one number for every sink (also
   * the default of sinks added later), or an array with one entry per sink in `msinks`.
   * `null`, `undefined` or `0` mean no limit. Rate limiting delays elements, it never drops them.
   */
  rateLimit?: number | null | readonly (number | null | undefined)[];
  /**
   * How many elements each sink may fall behind before the coordinator stops reading its streams
   * (an integer ≥ 1, default 16). The sink's own `highWaterMark` comes on top.
   */
  sinkQueueSize?: number;
  /**
   * What an element written to the coordinator with an unknown `name` does: `'error'` (default)
   * fails the coordinator with `ERR_METRIX_UNKNOWN_METRIC`; `'drop'` drops it, counts it in
   * {@link MCoordinator.unknownCount} and emits `'unknown'` with that error. `{ create }`: a new
   * stream is made on demand for a new name — by `write()`, `send()`, `timer()` and `time()` alike
   * — up to `maxStreams` streams (see {@link MCoordinatorOnUnknown}).
   */
  onUnknown?: 'error' | 'drop' | MCoordinatorOnUnknown;
  /**
   * The most streams the coordinator holds when `onUnknown: { create }` makes them on demand
   * (streams given or added by hand count too; default `Infinity`). A new name beyond it is
   * dropped, counted in `stats().dropped.cardinalityLimit` and reported by a
   * `'cardinalityLimit'` event (an `ERR_METRIX_CARDINALITY_LIMIT`; a process warning, once,
   * when nobody listens).
   */
  maxStreams?: number;
  /**
   * Longest time, in ms, a sink may owe an answer (a write not called back, a `'drain'` or its
   * `'finish'`) without any sign of life before it is detached and reported as
   * `ERR_METRIX_SINK_STALLED` (`Infinity`: never; checked once per timeout, so a sink that answered
   * and then went silent is detached between one and two timeouts after its last answer). A sign of life is a write callback, a
   * `'drain'` or a `'retry'` event, so a network sink retrying an outage is not stalled. Keep it
   * above a healthy sink's longest silence (a network sink's `timeoutMs` and `retry.maxDelayMs`).
   * Given here, it applies to every sink; per sink, `addMSink({ stallTimeoutMs })` wins. Not
   * given: each sink's own `stallTimeoutMs` (an {@link MSink} getter: `Infinity` for
   * MSinkPrinter and MSinkNDJSON, which wait for their reader; twice `timeoutMs` +
   * `retry.maxDelayMs`, at least 60 s, for the network sinks), else 60 000.
   */
  stallTimeoutMs?: number;
  /**
   * Tags added to every element the streams produce, before it reaches the sinks; a stream's own
   * tag of the same name wins. Input is routed unchanged.
   */
  defaultTags?: TagsInput | null;
  /**
   * Prepended to the name of every element the streams produce, before it reaches the sinks
   * (`'app.'` turns `latency.mean` into `app.latency.mean`). Input is addressed by the streams'
   * own names, without it.
   */
  prefix?: string;
  /**
   * What an invalid element written to the coordinator (not an object, a bad value, tags or
   * time) does: `'error'` (default) fails the coordinator with the validation error; `'drop'`
   * drops it, counts it in {@link MCoordinator.invalidCount} and emits `'invalid'`.
   */
  onInvalid?: 'error' | 'drop';
  /** Buffer size of the coordinator's writable side, in objects (default 16). */
  highWaterMark?: number;
}

/** The template of streams made on demand: see {@link MCoordinatorOptions.onUnknown}. */
export interface MCoordinatorOnUnknown {
  /**
   * Makes the stream for a name no stream has yet; it must return a live MStream of exactly that
   * name (else `ERR_METRIX_INVALID_ARGUMENT`). Its own error passes through unchanged.
   */
  create(name: string): MStream;
}

/** Options of {@link MCoordinator.addMSink}. */
export interface AddMSinkOptions {
  /** Minimum seconds between two elements for this sink; default: the coordinator's single `rateLimit`. */
  rateLimit?: number | null;
  /** This sink's stall timeout in ms; default: the coordinator's `stallTimeoutMs`. */
  stallTimeoutMs?: number;
}

/** Options of {@link MCoordinator.close}. */
export interface CloseOptions {
  /**
   * Deadline in ms from this call. When it passes, every sink that has not finished is detached
   * and destroyed, and `close()` rejects with `ERR_METRIX_CLOSE_TIMEOUT` counting what each sink
   * did not receive. Without it (and without `signal`), `close()` waits as long as delivery takes.
   */
  timeoutMs?: number;
  /** Aborting it does what the deadline does, at once. */
  signal?: AbortSignal;
}

/** What the coordinator's writable side accepts (an {@link MElement} fits too). */
export interface MCoordinatorInput {
  /** Name of the stream the value goes to. */
  name: string;
  value: number;
  tags?: TagsInput | null;
  /** Milliseconds since the epoch; `null` or absent: the time it is routed. */
  time?: number | null;
}
