import { AggregationPlan } from '../../src/engine/AggregationPlan.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { windowPlan } from '../../src/stages/windowingStage.js';

/** The plan of a window stage without `agg`: one 'arrival' state, the values in arrival order. */
export const valuesPlan = (): AggregationPlan => windowPlan(undefined);

/** A plain picture of a window: its bounds, count, time and per-series state (slot 0 by default). */
export interface WindowShape {
  start: number | undefined;
  end: number | undefined;
  time: number;
  count: number;
  groups: [key: string, state: unknown][];
}

export function shape(window: MetricWindow, slot = 0): WindowShape {
  return {
    start: window.start,
    end: window.end,
    time: window.time,
    count: window.count,
    groups: window.groups.map((g) => [g.series.key, copy(g.states[slot])]),
  };
}

/** The groups of a window that keeps the values: `[[key, values], …]`. */
export function groupValues(window: MetricWindow): [string, number[]][] {
  return window.groups.map((g) => [g.series.key, [...(g.states[0] as number[])]]);
}

/** All values of a values window, in group order. */
export function valuesOf(window: MetricWindow): number[] {
  return window.groups.flatMap((g) => g.states[0] as number[]);
}

function copy(state: unknown): unknown {
  return Array.isArray(state) ? [...state] : state;
}

export { AggregationPlan };
