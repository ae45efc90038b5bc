import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { type AggFunc, toAggregator } from '../aggregators/AggFunc.js';
import type { Aggregator } from '../aggregators/Aggregator.js';
import { aggregateWindow } from '../engine/aggregateWindow.js';
import type { MetricWindow } from '../engine/MetricWindow.js';
import { describe } from '../internal/describe.js';
import { streamOptions } from '../internal/validate.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { StageOptions } from './StageOptions.js';

/**
 * Reads one aggregation from each window: for every {@link MetricWindow} it receives, emits one
 * array with one {@link MElement} per group, in group (first-seen) order, named `name`, with the
 * group's tags and the window's time. An empty window gives an empty array.
 *
 * `fn` is an aggregation function (a built-in reads its state kind, which the window must keep:
 * give the window stage the same `agg`; a function of your own reads the values, which a window
 * made without `agg` keeps) or an {@link Aggregator}.
 *
 * A result that is not a finite number (an overflowing sum) gives no element for that group: the
 * stage emits `'invalidResult'` with an `ERR_METRIX_INVALID_AGG_RESULT` error and goes on. An
 * error thrown by `fn` is passed to `'error'` unchanged.
 *
 * `W{ x: [1, 2], y: [5] }` with `sum` → `[m.sum{x}=3, m.sum{y}=5]`
 *
 * @param name - Name of the aggregated elements, e.g. `'latency.p99'`.
 * @param fn - The aggregation function, or an {@link Aggregator}.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_NAME` for an empty name,
 * `ERR_METRIX_INVALID_AGG` when `fn` is neither.
 * @example
 * ```ts
 * import { aggregate, batchByCount, flatten, groupByKey, sum } from 'metrix-stream';
 * const sums = groupByKey()
 *   .pipe(batchByCount(10, { agg: sum }))
 *   .pipe(aggregate('bytes.sum', sum))
 *   .pipe(flatten());
 * ```
 * @see {@link windowByTime} and {@link batchByCount} before it; {@link zipAggs} for several
 * aggregations; {@link flatten}.
 * @category Stages
 */
export function aggregate(name: string, fn: AggFunc | Aggregator, options?: StageOptions): Transform {
  if (typeof name !== 'string' || name.length === 0) {
    throw new MetrixError(
      ErrorCode.INVALID_NAME,
      `aggregate(name, fn): name must be a non-empty string, got ${describe(name)}`,
      {
        input: name,
      },
    );
  }
  const aggregator = asAggregator(name, fn);
  const stage: Transform = new Transform({
    ...streamOptions(options),
    transform(window: MetricWindow, _encoding: BufferEncoding, callback: TransformCallback) {
      const out: MElement[] = [];
      try {
        aggregateWindow(
          window,
          aggregator,
          name,
          (element) => out.push(element),
          (error) => stage.emit('invalidResult', error),
        );
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(null, out);
    },
  });
  return stage;
}

function asAggregator(name: string, fn: unknown): Aggregator {
  if (typeof fn === 'function') return toAggregator(name, fn as AggFunc);
  const a = fn as Partial<Aggregator> | null;
  if (a !== null && typeof a === 'object' && typeof a.result === 'function' && typeof a.state?.add === 'function') {
    return a as Aggregator;
  }
  throw new MetrixError(
    ErrorCode.INVALID_AGG,
    `aggregate(name, fn): fn must be a function or an Aggregator, got ${describe(fn)}`,
    {
      input: fn,
    },
  );
}
