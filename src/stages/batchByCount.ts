import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { type GroupingStage, kAccept } from '../internal/accept.js';
import { positiveInteger, streamOptions } from '../internal/validate.js';
import type { MElement } from '../MElement.js';
import { ErrorCode } from '../MetrixError.js';
import type { ElementBatch, StageOptions } from './types.js';

/**
 * Groups successive elements into arrays of `size`.
 *
 * Emits an array as soon as it holds `size` elements; at end of input, emits the remainder (the
 * last batch can have fewer than `size` elements, and is not emitted when it would be empty).
 * Empty input gives no output. Order is kept.
 *
 * `a b c d e` with `size = 2` → `[a, b] [c, d] [e]`
 *
 * @param size - Elements per batch, an integer ≥ 1.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_GROUPING` when `size` is not a positive integer.
 * @example
 * ```ts
 * import { Readable } from 'node:stream';
 * import { batchByCount, MElement } from 'metrix-stream';
 * const batches = Readable.from([1, 2, 3].map((v) => new MElement('m', v))).pipe(batchByCount(2));
 * for await (const batch of batches) console.log(batch.length); // 2, then 1
 * ```
 * @see {@link windowByTime} to group by time instead; {@link groupByKey}, the next stage.
 */
export function batchByCount(size: number, options?: StageOptions): Transform {
  positiveInteger(size, 'batchByCount(size): size', ErrorCode.INVALID_GROUPING);
  let batch: MElement[] = [];
  const stage = new Transform({
    ...streamOptions(options),
    transform(element: MElement, _encoding: BufferEncoding, callback: TransformCallback) {
      accept(element);
      callback();
    },
    flush(this: Transform, callback: TransformCallback) {
      if (batch.length > 0) {
        const rest: ElementBatch = batch;
        batch = [];
        this.push(rest);
      }
      callback();
    },
  }) as GroupingStage;
  function accept(element: MElement): void {
    batch.push(element);
    if (batch.length === size) {
      const full: ElementBatch = batch;
      batch = [];
      stage.push(full);
    }
  }
  stage[kAccept] = accept;
  return stage;
}
