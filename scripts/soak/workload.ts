// The soak's workload: which streams, which tag sets and values, and the reference sink that
// counts what the coordinator delivered without keeping it (so that it does not grow the RSS the
// soak watches).
import { createHash, type Hash } from 'node:crypto';
import {
  count,
  keyFromTags,
  type MElement,
  MSink,
  MStream,
  max,
  mean,
  percentile,
  sum,
  type Tags,
} from '../../src/index.js';

/** One stream of the soak and how the producer feeds it. */
export interface SoakStream {
  readonly name: string;
  make(): MStream;
  /** Tags and value of this stream's `j`-th element; `random` is uniform in [0, 1). */
  element(j: number, random: () => number): { tags?: Tags; value: number };
  /**
   * Count batches are stamped with their last element's time: the producer gives each element its
   * nominal time on the schedule, so that two batches of one series never share a millisecond.
   */
  readonly timed: boolean;
}

const ROUTES = ['/home', '/search', '/cart', '/api/v1/items'] as const;
const STATUSES = ['200', '404', '500'] as const;

/** Four streams: two count batches, two arrival-time windows; tags, a cardinality limit, a sketch. */
export const SOAK_STREAMS: readonly SoakStream[] = [
  {
    name: 'requests',
    make: () => new MStream('requests', { agg: [count, sum], batchSize: 100 }),
    // 12 tag sets
    element: (j) => ({ tags: { route: ROUTES[j % 4] as string, status: STATUSES[j % 3] as string }, value: 1 }),
    timed: true,
  },
  {
    name: 'latency_ms',
    make: () => new MStream('latency_ms', { agg: [count, mean, percentile(99, { sketch: true })], windowSize: 1 }),
    element: (j, random) => ({ tags: { route: ROUTES[j % 4] as string }, value: -Math.log(1 - random()) * 20 }),
    timed: false,
  },
  {
    // 100 users but at most 25 series: the rest folds into the overflow series every window.
    name: 'sessions',
    make: () =>
      new MStream('sessions', { agg: [count, max], windowSize: 2, maxSeries: 25, defaultTags: { plan: 'free' } }),
    element: (_j, random) => ({ tags: { user: `u${Math.floor(random() * 100)}` }, value: Math.floor(random() * 3600) }),
    timed: false,
  },
  {
    name: 'bytes',
    make: () => new MStream('bytes', { agg: [count, sum, max], batchSize: 1000 }),
    element: (_j, random) => ({ value: Math.floor(random() * 65536) }),
    timed: true,
  },
];

/** A small seeded PRNG (mulberry32): the same seed gives the same workload. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One aggregate as a line that does not depend on a sink's formatting (tags in key order). */
export function canonicalLine(name: string, value: number, tags: Tags, time: number): string {
  return `${name}\t${value}\t${keyFromTags(tags)}\t${time}\n`;
}

/**
 * The reference sink: per stream, the sum of its `<stream>.count` aggregates; the number of
 * aggregates per name; and a SHA-256 of the whole sequence, which any other sink must reproduce.
 * It keeps nothing per element.
 */
export class MSinkCounting extends MSink {
  readonly countSums = new Map<string, number>();
  readonly perName = new Map<string, number>();
  received = 0;
  readonly #hash: Hash = createHash('sha256');
  #digest: string | undefined;

  protected handle(element: MElement): void {
    this.received++;
    this.perName.set(element.name, (this.perName.get(element.name) ?? 0) + 1);
    if (element.name.endsWith('.count')) {
      const stream = element.name.slice(0, -'.count'.length);
      this.countSums.set(stream, (this.countSums.get(stream) ?? 0) + element.value);
    }
    this.#hash.update(canonicalLine(element.name, element.value, element.tags, element.time));
  }

  /** SHA-256 of the canonical lines of every element received (read it once input has ended). */
  digest(): string {
    this.#digest ??= this.#hash.digest('hex');
    return this.#digest;
  }
}
