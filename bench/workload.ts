// The inputs the benchmark questions share, built before any timing so that building them is
// never measured: the same values, the same tag objects, the same aggregations and batch size.

import type { AggFunc } from '../src/index.js';

/** Elements per batch in the send() and piped questions, as the issue asks. */
export const BATCH_SIZE = 1000;

/** One workload: its inputs, its aggregations, and how many outputs a stream must emit for it. */
export interface Workload {
  /** Element values, in send order. */
  readonly values: Float64Array;
  /** Per element, its tag object (shared by every element of that tag set), or none. */
  readonly tags: readonly Readonly<Record<string, string>>[] | undefined;
  /** Distinct tag sets (1 when untagged). */
  readonly tagSets: number;
  /** Aggregations, in output order. */
  readonly aggs: readonly AggFunc[];
  /** Elements per batch of the stream (and of the hand loop). */
  readonly batchSize: number;
  /** Outputs a batching stream must emit for `values.length` elements (checked after every run). */
  readonly expectedOutputs: number;
}

/** What {@link makeWorkload} needs. */
export interface WorkloadOptions {
  /** Elements. */
  readonly n: number;
  /** Distinct tag sets; 0 for untagged elements. */
  readonly tagSets: number;
  readonly aggs: readonly AggFunc[];
  /** Default {@link BATCH_SIZE}. */
  readonly batchSize?: number;
}

/**
 * `count` distinct tag sets of two tags each (`host` × `route`), each `Object.freeze`d: the issue's
 * tagged cases are "frozen tag sets", the form a caller that builds its tag objects once can give
 * (and a stream can trust not to change).
 */
export function makeTagSets(count: number): Readonly<Record<string, string>>[] {
  const sets: Readonly<Record<string, string>>[] = [];
  for (let i = 0; i < count; i++) {
    sets.push(Object.freeze({ host: `host-${i % 10}`, route: `/api/v1/item${Math.floor(i / 10)}` }));
  }
  return sets;
}

/** The value of element `i` in every workload: fractional, as latencies and sizes are (V8 keeps
 * them as doubles, not small integers). */
export function valueAt(i: number): number {
  return (i % 1000) * 0.25 + 0.5;
}

/**
 * Builds a workload of `n` elements cycling through the tag sets, so that a batch holds every
 * set (when it has room) and consecutive elements never share one: the worst order for a "same
 * key as before" shortcut.
 */
export function makeWorkload({ n, tagSets, aggs, batchSize = BATCH_SIZE }: WorkloadOptions): Workload {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = valueAt(i);
  const sets = tagSets > 0 ? makeTagSets(tagSets) : undefined;
  const tags = sets && Array.from({ length: n }, (_, i) => sets[i % tagSets] as Readonly<Record<string, string>>);
  // Each batch holds min(tag sets, its elements) groups: elements cycle through the sets.
  let groups = 0;
  for (let start = 0; start < n; start += batchSize)
    groups += Math.min(Math.max(tagSets, 1), Math.min(batchSize, n - start));
  return { values, tags, tagSets: Math.max(tagSets, 1), aggs, batchSize, expectedOutputs: groups * aggs.length };
}

/** What a piped source emits for `w`: numbers, or `{ value, tags }` objects. */
export function itemsOf(w: Workload): unknown[] {
  const n = w.values.length;
  const items: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = w.tags ? { value: w.values[i], tags: w.tags[i] } : w.values[i];
  return items;
}
