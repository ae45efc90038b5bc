import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { streamOptions } from '../internal/validate.js';
import type { ElementBatch, StageOptions } from './types.js';

/**
 * Drops empty batches (arrays of length 0, such as the windows in which nothing arrived) and
 * passes every other batch on unchanged, in order.
 *
 * `[a] [] [b, c] []` → `[a] [b, c]`
 *
 * @example
 * ```ts
 * import { dropEmpty, windowByTime } from 'metrix-stream';
 * const nonEmptyWindows = windowByTime(1).pipe(dropEmpty());
 * ```
 * @see {@link windowByTime}, which emits empty windows; {@link groupByKey}, the next stage.
 */
export function dropEmpty(options?: StageOptions): Transform {
  return new Transform({
    ...streamOptions(options),
    transform(batch: ElementBatch, _encoding: BufferEncoding, callback: TransformCallback) {
      if (batch.length > 0) callback(null, batch);
      else callback();
    },
  });
}
