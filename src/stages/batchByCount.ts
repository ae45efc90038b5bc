import type { Transform } from 'readable-stream';
import { CountBatches } from '../engine/CountBatches.js';
import { positiveInteger } from '../internal/validate.js';
import { ErrorCode } from '../MetrixError.js';
import { type WindowStageOptions, windowingStage, windowPlan } from './windowingStage.js';

/**
 * Folds successive values into batches of `size` and emits each as a {@link MetricWindow}: per
 * series (tag set), in first-seen order, the states its aggregations read (or the values, when
 * no `agg` is given).
 *
 * Input: {@link KeyedValue}s from {@link groupByKey}, or elements (numbers, {@link MElement}s,
 * `{ value, tags?, time? }`), whose tags the stage resolves itself.
 *
 * Emits a batch as soon as it holds `size` values; at end of input, emits the remainder (the last
 * batch can hold fewer than `size` values, and is not emitted when it would be empty). Empty
 * input gives no output. A batch's `time` is its last element's own time when it had one,
 * otherwise the time the batch was completed.
 *
 * `a b c d e` with `size = 2` → `B[a, b] B[c, d] B[e]`
 *
 * @param size - Values per batch, an integer ≥ 1.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_GROUPING` when `size` is not a positive
 * integer; `ERR_METRIX_INVALID_AGG` for a bad `agg`.
 * @example
 * ```ts
 * import { Readable } from 'node:stream';
 * import { batchByCount, sum } from 'metrix-stream';
 * const batches = Readable.from([1, 2, 3]).pipe(batchByCount(2, { agg: sum }));
 * for await (const batch of batches) console.log(batch.count); // 2, then 1
 * ```
 * @see {@link windowByTime} to group by time instead; {@link aggregate} to read the batches.
 * @category Stages
 */
export function batchByCount(size: number, options: WindowStageOptions = {}): Transform {
  positiveInteger(size, 'batchByCount(size): size', ErrorCode.INVALID_GROUPING);
  const plan = windowPlan(options.agg);
  return windowingStage(options, 'batchByCount', (emit) => new CountBatches(plan, size, emit));
}
