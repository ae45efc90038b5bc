import type { AggregationPlan } from './AggregationPlan.js';
import type { WindowGroup } from './WindowGroup.js';

/**
 * One closed window or batch, as {@link windowByTime} and {@link batchByCount} emit it: per
 * series (tag set) seen in it, in the order each was first seen, one mergeable state per state
 * kind its aggregators read — never the elements themselves.
 *
 * `start` and `end` bound a time window (`[start, end)`, milliseconds since the epoch); a count
 * batch has neither. `time` stamps the window's aggregates: a time window's end, or for a batch
 * the time its last element carried (when elements carry their own time) or the time the batch
 * was completed.
 * @category Stages
 */
export interface MetricWindow {
  /** Start of a time window (inclusive), ms since the epoch; `undefined` for a count batch. */
  readonly start: number | undefined;
  /** End of a time window (exclusive), ms since the epoch; `undefined` for a count batch. */
  readonly end: number | undefined;
  /** The time stamp of the window's aggregates. */
  readonly time: number;
  /** How many values went into the window. `0` for an empty time window. */
  readonly count: number;
  /** The aggregators the window keeps state for, and where each state is. */
  readonly plan: AggregationPlan;
  /** One group per series, in first-seen order. */
  readonly groups: readonly WindowGroup[];
}
