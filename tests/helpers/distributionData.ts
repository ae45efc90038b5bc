// The input of the distribution tests and benchmark: deterministic values per (edge, window),
// with tag sets that overlap between edges, so that the merging tier really merges.
import { count, max, mean, min, percentile, sum, variance } from '../../src/index.js';

/** The aggregations the edges keep and the merging tier reads. */
export const DIST_AGG = {
  sum,
  count,
  min,
  max,
  mean,
  variance,
  p90: percentile(90),
  p99s: percentile(99, { sketch: true }),
  // A function of the user's own: the tier ships its values (arrival state) and calls it on the
  // union; an order-free one, since the union's order is the merge's.
  spread: (values: readonly number[]) => Math.max(...values) - Math.min(...values),
};

/** The bound the sketched percentile is stated within (relative). */
export const SKETCH_ALPHA = 0.01;

/** Start of the data's time, ms: event-time windows of `WINDOW_MS` from here. */
export const T0 = 1_700_000_000_000;
export const WINDOW_MS = 1000;

export interface Point {
  value: number;
  tags: Record<string, string>;
  time: number;
}

/** The values edge `edge` sends in window `window` (`perWindow` of them). */
export function edgePoints(edge: number, window: number, perWindow = 150): Point[] {
  let s = (edge * 7919 + window * 104_729 + 1) >>> 0;
  const rand = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Point[] = [];
  for (let i = 0; i < perWindow; i++) {
    // Edge e sees hosts e … e+2 of 5: each host is shared by up to three edges.
    const host = `h${(edge + Math.floor(rand() * 3)) % 5}`;
    const route = rand() < 0.5 ? '/a' : '/b';
    const value = Math.round(Math.exp(rand() * 6) * 1000) / 1000;
    out.push({ value, tags: { host, route }, time: T0 + window * WINDOW_MS + Math.floor(rand() * WINDOW_MS) });
  }
  return out;
}
