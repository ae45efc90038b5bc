import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { streamOptions } from '../internal/validate.js';
import type { MElement } from '../MElement.js';
import { type ElementBatch, ElementGroup, type GroupedElements, type StageOptions } from './types.js';

/**
 * Splits each batch into groups of elements that share a tag set (their {@link MElement.key}).
 *
 * Emits one {@link GroupedElements} per batch: the groups in the order each key was first seen,
 * each group's elements in arrival order, and the batch's time stamp — the window end for a time
 * window, otherwise the time of the batch's last element (the current time for an empty batch).
 *
 * `[a{x}, b{y}, c{x}]` → `{ groups: [x: [a, c], y: [b]] }`
 *
 * @example
 * ```ts
 * import { batchByCount, groupByKey } from 'metrix-stream';
 * const grouped = batchByCount(100).pipe(groupByKey());
 * grouped.on('data', ({ groups }) => console.log(groups.map((g) => g.key)));
 * ```
 * @see {@link batchByCount} and {@link windowByTime} before it; {@link aggregate} after it.
 */
export function groupByKey(options?: StageOptions): Transform {
  return new Transform({
    ...streamOptions(options),
    transform(batch: ElementBatch, _encoding: BufferEncoding, callback: TransformCallback) {
      const n = batch.length;
      const time = batch.time ?? (n > 0 ? (batch[n - 1] as MElement).time : Date.now());
      const grouped: GroupedElements = { time, groups: n > 0 ? groupElements(batch) : [] };
      callback(null, grouped);
    },
  });
}

/** Groups a non-empty array by key, first-seen order; exported for tests and benchmarks. */
export function groupElements(batch: readonly MElement[]): ElementGroup[] {
  const n = batch.length;
  const firstKey = (batch[0] as MElement).key;
  let i = 1;
  // Common case first: one tag set for the whole batch needs no map and no copy.
  while (i < n && (batch[i] as MElement).key === firstKey) i++;
  if (i === n) return [new ElementGroup(firstKey, (batch[0] as MElement).tags, batch as MElement[])];

  const first = new ElementGroup(firstKey, (batch[0] as MElement).tags, batch.slice(0, i));
  const groups = [first];
  const byKey = new Map<string, ElementGroup>([[firstKey, first]]);
  let last = first;
  for (; i < n; i++) {
    const element = batch[i] as MElement;
    const key = element.key;
    if (key !== last.key) {
      let group = byKey.get(key);
      if (group === undefined) {
        group = new ElementGroup(key, element.tags, []);
        byKey.set(key, group);
        groups.push(group);
      }
      last = group;
    }
    last.elements.push(element);
  }
  return groups;
}
