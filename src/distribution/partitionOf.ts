/**
 * The partition of a series: a stable hash (32-bit FNV-1a over the UTF-16 code units) of the
 * stream name and the series key, modulo `partitions`. Every edge and every merging process
 * computes the same partition for the same series on any machine and any version of Node, which
 * is what lets merging processes split the series between them.
 *
 * @param stream - The MStream's name.
 * @param key - The series' tag key (`keyFromTags(tags)`).
 * @param partitions - The number of partitions (an integer ≥ 1), the same on every process.
 * @example
 * ```ts
 * import { partitionOf } from 'metrix-stream/distribution';
 * partitionOf('latency', 'host:a', 8); // an integer in 0..7, the same everywhere
 * ```
 */
export function partitionOf(stream: string, key: string, partitions: number): number {
  let h = 0x811c9dc5;
  h = fnv(h, stream);
  // A separator no stream name and key can shift across: ('ab', 'c') and ('a', 'bc') differ.
  h = Math.imul(h ^ 0xffff, 0x01000193);
  h = fnv(h, key);
  return (h >>> 0) % partitions;
}

function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
