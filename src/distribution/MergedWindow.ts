import type { Aggregator, StateJSON, StateKind } from '../aggregators/Aggregator.js';
import type { AggregationPlan } from '../engine/AggregationPlan.js';
import type { MetricWindow } from '../engine/MetricWindow.js';
import { Series } from '../engine/Series.js';
import type { WindowGroup } from '../engine/WindowGroup.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { PartialMessage } from './PartialMessage.js';

/** How the merging tier aggregates one stream: its aggregators, their plan and output names. @internal */
export interface StreamPlan {
  readonly name: string;
  readonly plan: AggregationPlan;
  readonly aggregators: readonly Aggregator[];
  readonly outputNames: readonly string[];
}

/**
 * One window of one stream at the merging tier: per series, the merge of the states of every
 * partial applied to it, and which partials those were — by (source, series key), the fields
 * their message ID is made of — so that a partial delivered again is applied once.
 * It is a {@link MetricWindow}, read by `aggregateWindow` as any window is.
 * @internal
 */
export class MergedWindow<M> implements MetricWindow {
  readonly stream: StreamPlan;
  readonly start: number;
  readonly end: number;
  readonly time: number;
  readonly plan: AggregationPlan;
  #count = 0;
  readonly #groups = new Map<string, WindowGroup>();
  #list: WindowGroup[] | undefined;
  /** The delivery to acknowledge for each applied partial (the latest, when delivered again). */
  readonly applied = new Map<string, M>();

  constructor(stream: StreamPlan, start: number, end: number) {
    this.stream = stream;
    this.start = start;
    this.end = end;
    this.time = end;
    this.plan = stream.plan;
  }

  /** Partials applied. */
  get count(): number {
    return this.#count;
  }

  /** One group per series, in the order their first partial was applied. */
  get groups(): readonly WindowGroup[] {
    // Read once per aggregator when the window is emitted: built once after the last change.
    this.#list ??= [...this.#groups.values()];
    return this.#list;
  }

  /**
   * Applies `partial` once: `false` when a partial of the same source and series was applied
   * already (its delivery `msg` then replaces the one kept for acknowledging).
   *
   * @throws `MetrixError` `ERR_METRIX_INVALID_STATE` when the partial lacks a state kind
   *   this stream's aggregators read, or a state is malformed; nothing of it is applied then.
   */
  apply(partial: PartialMessage, msg: M): boolean {
    const id = `${partial.source}\u0000${partial.key}`;
    if (this.applied.has(id)) {
      this.applied.set(id, msg);
      return false;
    }
    const kinds = this.plan.kinds;
    // Every state is read before any is merged, so a bad partial changes nothing.
    const states = kinds.map((kind) => kind.fromJSON(stateOf(partial, kind)));
    const group = this.#groups.get(partial.key);
    if (group === undefined) {
      this.#groups.set(partial.key, { series: new Series(partial.key, partial.tags), states });
      this.#list = undefined;
    } else {
      for (let k = 0; k < kinds.length; k++) (kinds[k] as StateKind).merge(group.states[k], states[k]);
    }
    this.applied.set(id, msg);
    this.#count++;
    return true;
  }
}

function stateOf(partial: PartialMessage, kind: StateKind): StateJSON {
  const json = partial.states.find((s) => s.kind === kind.id);
  if (json === undefined) {
    throw new MetrixError(
      ErrorCode.INVALID_STATE,
      `a partial of "${partial.stream}" from "${partial.source}" has no '${kind.id}' state (it has ${partial.states
        .map((s) => `'${s.kind}'`)
        .join(', ')}): the edge's agg must keep every state the merging tier's agg reads`,
      { input: partial.states.map((s) => s.kind) },
    );
  }
  return json;
}
