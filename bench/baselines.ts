// The two hand-built baselines the MStream figures are compared with, timed in the same process:
// a plain loop (for send()) and a Writable that only counts (for the piped path).
import { Readable, Writable } from 'node:stream';
import type { AggFunc } from '../src/index.js';
import type { Workload } from './workload.js';

interface Group {
  readonly tags: Readonly<Record<string, string>> | undefined;
  readonly values: number[];
}

/** The key a hand-written loop would build: sorted `name:value` pairs joined by `|`. */
function keyOf(tags: Readonly<Record<string, string>>): string {
  const names = Object.keys(tags).sort();
  let key = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    key += `${i > 0 ? '|' : ''}${name}:${tags[name]}`;
  }
  return key;
}

/**
 * The baseline of `send()`: a plain loop doing the same work without streams or validation —
 * batches of `w.batchSize` elements, grouped by a string key computed from each element's tags in a Map
 * (first-seen order), every aggregation run on every group's values, one output object
 * `{ name, value, tags, time }` per (aggregation, group). Returns the number of outputs.
 *
 * With `cacheKeys`, the loop remembers each tag object's key in a WeakMap, as a loop that knows
 * its tag objects are shared and never changed can: the faster, more demanding limit.
 */
export function runHandLoop(w: Workload, cacheKeys = false): number {
  const keys = new WeakMap<Readonly<Record<string, string>>, string>();
  const keyFor = (t: Readonly<Record<string, string>>): string => {
    if (!cacheKeys) return keyOf(t);
    let key = keys.get(t);
    if (key === undefined) {
      key = keyOf(t);
      keys.set(t, key);
    }
    return key;
  };
  const { values, tags, aggs, batchSize } = w;
  const names = aggs.map((fn) => `bench.${fn.name}`);
  const n = values.length;
  const out: unknown[] = [];
  let outputs = 0;
  let groups = new Map<string, Group>();
  let inBatch = 0;
  const emit = () => {
    const time = Date.now();
    for (let a = 0; a < aggs.length; a++) {
      const fn = aggs[a] as AggFunc;
      for (const g of groups.values()) out.push({ name: names[a], value: fn(g.values), tags: g.tags, time });
    }
    outputs += out.length;
    out.length = 0;
    groups = new Map();
    inBatch = 0;
  };
  for (let i = 0; i < n; i++) {
    const t = tags?.[i];
    const key = t === undefined ? '' : keyFor(t);
    let g = groups.get(key);
    if (g === undefined) {
      g = { tags: t, values: [] };
      groups.set(key, g);
    }
    g.values.push(values[i] as number);
    if (++inBatch === batchSize) emit();
  }
  if (inBatch > 0) emit();
  return outputs;
}

/** {@link runHandLoop} with each tag object's key computed once. */
export function runHandLoopCachedKeys(w: Workload): number {
  return runHandLoop(w, true);
}

/**
 * The transport floor of the piped path: the same source, `Readable.from(items)`, piped into a
 * Writable that only counts. Resolves with the count (which must equal the number of items).
 */
export function runTransportFloor(items: readonly unknown[]): Promise<number> {
  let count = 0;
  const sink = new Writable({
    objectMode: true,
    write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void) {
      count++;
      callback();
    },
  });
  return new Promise<number>((resolve, reject) => {
    sink.on('finish', () => resolve(count));
    sink.on('error', reject);
    Readable.from(items).pipe(sink);
  });
}
