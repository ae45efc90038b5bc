import type { Series } from './Series.js';

/**
 * The state of one series in one window or batch: one mergeable state per state kind of the
 * window's {@link AggregationPlan} (`states[plan.slotOf[i]]` is what aggregator `i` reads).
 * @category Stages
 */
export interface WindowGroup {
  /** The series (tag set) of the group. */
  readonly series: Series;
  /** One state per kind, in the order of `plan.kinds`. */
  readonly states: unknown[];
}
