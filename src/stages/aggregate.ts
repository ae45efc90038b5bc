import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import type { AggFunc } from '../aggregators/AggFunc.js';
import { describe } from '../internal/describe.js';
import { streamOptions } from '../internal/validate.js';
import { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { GroupedElements, StageOptions } from './types.js';

/**
 * Aggregates each group of a batch into one element named `name`.
 *
 * For every {@link GroupedElements} it receives, emits one array with one {@link MElement} per
 * group, in group order: `fn(group.values)` as value, the group's tags, the batch's time. An
 * empty grouping gives an empty array.
 *
 * An error thrown by `fn` is passed to `'error'` unchanged. A result that is not a finite number
 * fails the stage with `ERR_METRIX_INVALID_AGG_RESULT`.
 *
 * `{ groups: [x: [1, 2], y: [5]] }` with `sum` → `[m.sum{x}=3, m.sum{y}=5]`
 *
 * @param name - Name of the aggregated elements, e.g. `'latency.p99'`.
 * @param fn - The aggregation function.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_NAME` for an empty name,
 * `ERR_METRIX_INVALID_AGG` when `fn` is not a function.
 * @example
 * ```ts
 * import { aggregate, batchByCount, flatten, groupByKey, sum } from 'metrix-stream';
 * const sums = batchByCount(10).pipe(groupByKey()).pipe(aggregate('bytes.sum', sum)).pipe(flatten());
 * ```
 * @see {@link groupByKey} before it; {@link zipAggs} for several aggregations; {@link flatten}.
 */
export function aggregate(name: string, fn: AggFunc, options?: StageOptions): Transform {
  if (typeof name !== 'string' || name.length === 0) {
    throw new MetrixError(
      ErrorCode.INVALID_NAME,
      `aggregate(name, fn): name must be a non-empty string, got ${describe(name)}`,
      {
        input: name,
      },
    );
  }
  if (typeof fn !== 'function') {
    throw new MetrixError(ErrorCode.INVALID_AGG, `aggregate(name, fn): fn must be a function, got ${describe(fn)}`, {
      input: fn,
    });
  }
  return new Transform({
    ...streamOptions(options),
    transform(grouped: GroupedElements, _encoding: BufferEncoding, callback: TransformCallback) {
      const { groups, time } = grouped;
      const out = new Array<MElement>(groups.length);
      for (let i = 0; i < groups.length; i++) {
        const group = groups[i] as GroupedElements['groups'][number];
        let value: unknown;
        try {
          value = fn(group.values);
        } catch (err) {
          callback(err as Error);
          return;
        }
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          callback(
            new MetrixError(
              ErrorCode.INVALID_AGG_RESULT,
              `aggregation "${name}" returned ${describe(value)} for tags {${group.key}}; it must return a finite number`,
              { input: value },
            ),
          );
          return;
        }
        out[i] = new MElement(name, value, { tags: group.tags, time });
      }
      callback(null, out);
    },
  });
}
