// The inputs every benchmark question shares, built once before any timing so that building them
// is never measured: the same values, the same tag objects, the same aggregations, batch size.

import type { AggFunc } from '../src/index.js';

/** Elements per batch in every measurement, as the issue asks. */
export const BATCH_SIZE = 1000;

/** One benchmark scenario: its inputs, its aggregations and how many outputs a batch gives. */
export interface Workload {
  /** Short label for the table. */
  readonly label: string;
  /** Element values, in send order. */
  readonly values: Float64Array;
  /** Per element, its tag object (shared by every element of that tag set), or none. */
  readonly tags: readonly Record<string, string>[] | undefined;
  /** Distinct tag sets (1 when untagged). */
  readonly tagSets: number;
  /** Aggregations, in output order. */
  readonly aggs: readonly AggFunc[];
  /** What a piped source emits: numbers, or `{ value, tags }` objects. */
  readonly items: readonly unknown[];
  /** Outputs the stream must emit for `values.length` elements (checked after every run). */
  readonly expectedOutputs: number;
}

/**
 * `tagSets` distinct tag sets of two tags each (`host` × `route`), as plain (unfrozen) objects,
 * the form a caller writes; elements cycle through them, so a batch of 1000 holds every set and
 * consecutive elements never share one (the worst order for a "same key as before" shortcut).
 */
export function makeTagSets(tagSets: number): Record<string, string>[] {
  const sets: Record<string, string>[] = [];
  for (let i = 0; i < tagSets; i++) sets.push({ host: `host-${i % 10}`, route: `/api/v1/item${Math.floor(i / 10)}` });
  return sets;
}

/** Builds the workload of `n` elements: untagged when `tagSets` is 0. */
export function makeWorkload(label: string, n: number, tagSets: number, aggs: readonly AggFunc[]): Workload {
  const values = new Float64Array(n);
  // Fractional values, as latencies and sizes are: V8 stores them as doubles, not small integers.
  for (let i = 0; i < n; i++) values[i] = (i % 1000) * 0.25 + 0.5;
  const sets = tagSets > 0 ? makeTagSets(tagSets) : undefined;
  const tags = sets && Array.from({ length: n }, (_, i) => sets[i % tagSets] as Record<string, string>);
  const items: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = tags ? { value: values[i], tags: tags[i] } : values[i];
  const batches = Math.ceil(n / BATCH_SIZE);
  // Each full batch holds every tag set (elements cycle through them); the last may hold fewer.
  let groups = 0;
  for (let b = 0; b < batches; b++) groups += Math.min(Math.max(tagSets, 1), Math.min(BATCH_SIZE, n - b * BATCH_SIZE));
  return {
    label,
    values,
    tags,
    tagSets: Math.max(tagSets, 1),
    aggs,
    items,
    expectedOutputs: groups * aggs.length,
  };
}
