import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { streamOptions } from '../internal/validate.js';
import type { StageOptions } from './StageOptions.js';

/**
 * Emits each item of each array it receives, one by one, in order; nested arrays (such as the
 * per-aggregation arrays of {@link zipAggs}) are flattened to any depth. A non-array input is
 * passed on as it is; an empty array emits nothing; `null` and `undefined` items are skipped.
 *
 * `[a, b] [] [[c], [d, e]]` → `a b c d e`
 *
 * @example
 * ```ts
 * import { Readable } from 'node:stream';
 * import { flatten } from 'metrix-stream';
 * const items = await Readable.from([[1, 2], [[3]]]).pipe(flatten()).toArray(); // [1, 2, 3]
 * ```
 * @see {@link aggregate} and {@link zipAggs}, whose arrays it flattens.
 * @category Stages
 */
export function flatten(options?: StageOptions): Transform {
  return new Transform({
    ...streamOptions(options),
    transform(this: Transform, chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback) {
      pushFlat(this, chunk);
      callback();
    },
  });
}

function pushFlat(stream: Transform, chunk: unknown): void {
  if (!Array.isArray(chunk)) {
    // null would end the stream; neither it nor undefined is an item.
    if (chunk != null) stream.push(chunk);
    return;
  }
  for (let i = 0; i < chunk.length; i++) pushFlat(stream, chunk[i]);
}
