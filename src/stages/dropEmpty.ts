import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import type { MetricWindow } from '../engine/MetricWindow.js';
import { streamOptions } from '../internal/validate.js';
import type { StageOptions } from './StageOptions.js';

/**
 * Drops empty windows — {@link MetricWindow}s with `count` 0, such as the time windows in which
 * nothing arrived (and empty arrays) — and passes every other item on unchanged, in order.
 *
 * `W[a] W[] W[b, c] W[]` → `W[a] W[b, c]`
 *
 * @example
 * ```ts
 * import { dropEmpty, windowByTime } from 'metrix-stream';
 * const nonEmptyWindows = windowByTime(1).pipe(dropEmpty());
 * ```
 * @see {@link windowByTime}, which emits empty windows; {@link aggregate}, the next stage.
 * @category Stages
 */
export function dropEmpty(options?: StageOptions): Transform {
  return new Transform({
    ...streamOptions(options),
    transform(item: MetricWindow | readonly unknown[], _encoding: BufferEncoding, callback: TransformCallback) {
      const empty = Array.isArray(item) ? item.length === 0 : (item as MetricWindow).count === 0;
      if (empty) callback();
      else callback(null, item);
    },
  });
}
