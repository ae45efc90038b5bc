import type { AggregationPlan } from './AggregationPlan.js';
import type { MetricWindow } from './MetricWindow.js';
import type { Series } from './Series.js';
import type { WindowGroup } from './WindowGroup.js';

/**
 * The open state of one window or batch: one {@link WindowGroup} per series added to it, in
 * first-seen order, each value folded into the group's states at once. Memory grows with the
 * number of series, not of values (except for the kinds that keep values: exact quantiles and
 * user functions). Once closed it is handed on as the {@link MetricWindow} it implements and is
 * never added to again.
 */
export class Accumulation implements MetricWindow {
  readonly start: number | undefined;
  readonly end: number | undefined;
  time = 0;
  count = 0;
  readonly plan: AggregationPlan;
  readonly groups: WindowGroup[] = [];
  /**
   * Groups by key, for an accumulation that is open beside others (event-time windows): a series
   * then alternates between them and its one-entry cache misses. With one open at a time, a
   * cache miss means a series new to this accumulation, and no map is needed.
   */
  readonly #byKey: Map<string, WindowGroup> | undefined;

  constructor(plan: AggregationPlan, start?: number, end?: number, exclusive = true) {
    this.plan = plan;
    this.start = start;
    this.end = end;
    this.#byKey = exclusive ? undefined : new Map();
  }

  /** Adds one value of `series`. */
  add(series: Series, value: number): void {
    const group = series.lastOwner === this ? (series.lastGroup as WindowGroup) : this.#groupOf(series);
    this.plan.add(group.states, value);
    this.count++;
  }

  /**
   * Closes the accumulation with its aggregates' time stamp, and lets go of the series' caches
   * that point into it, so an idle series does not keep a closed window's states alive.
   */
  close(time: number): this {
    this.time = time;
    const groups = this.groups;
    for (let i = 0; i < groups.length; i++) {
      const series = (groups[i] as WindowGroup).series;
      if (series.lastOwner === this) {
        series.lastOwner = undefined;
        series.lastGroup = undefined;
      }
    }
    return this;
  }

  #groupOf(series: Series): WindowGroup {
    let group = this.#byKey?.get(series.key);
    if (group === undefined) {
      group = { series, states: this.plan.createStates() };
      this.groups.push(group);
      this.#byKey?.set(series.key, group);
    }
    series.lastOwner = this;
    series.lastGroup = group;
    return group;
  }
}
