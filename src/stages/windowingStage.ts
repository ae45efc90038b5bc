import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { toAggregator } from '../aggregators/AggFunc.js';
import type { Aggregator } from '../aggregators/Aggregator.js';
import { arrivalValuesState } from '../aggregators/arrivalValuesState.js';
import { AggregationPlan } from '../engine/AggregationPlan.js';
import { type AddValue, addChunk } from '../engine/KeyedValue.js';
import type { MetricWindow } from '../engine/MetricWindow.js';
import { SeriesTable } from '../engine/SeriesTable.js';
import type { Windowing, WindowListener } from '../engine/Windowing.js';
import { type AggSpec, parseAgg } from '../internal/parseAgg.js';
import { streamOptions } from '../internal/validate.js';
import type { StageOptions } from './StageOptions.js';

/**
 * Options of {@link windowByTime} and {@link batchByCount} about what a window keeps.
 * @category Stages
 */
export interface WindowStageOptions extends StageOptions {
  /**
   * The aggregations the windows will be read with (as MStream's `agg`): the window keeps the
   * states they read. Default: the values themselves, in arrival order (8 B each), which any
   * aggregation can read.
   */
  agg?: AggSpec;
}

/** Keeps the values in arrival order: what a window without `agg` keeps, readable by any aggregator. */
const keepValues: Aggregator = { name: 'values', state: arrivalValuesState, result: () => Number.NaN };

/** The plan of a window stage: its aggregations' states, or the values. */
export function windowPlan(agg: AggSpec | undefined): AggregationPlan {
  if (agg === undefined) return new AggregationPlan([keepValues]);
  return new AggregationPlan([...parseAgg(agg)].map(([name, fn]) => toAggregator(name, fn)));
}

/**
 * A Transform over a {@link Windowing}: each written chunk (a {@link KeyedValue}, or an element
 * resolved in the stage's own series table) is folded into its window; each closed window is
 * pushed. End of input flushes; destroy stops the windowing's timer.
 */
export function windowingStage(
  options: StageOptions | undefined,
  what: string,
  make: (emit: WindowListener) => Windowing,
): Transform {
  const table = new SeriesTable();
  const stage = new Transform({
    ...streamOptions(options),
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        addChunk(table, chunk, what, add);
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback();
    },
    flush(this: Transform, callback: TransformCallback) {
      windowing.flush();
      callback();
    },
    destroy(error: Error | null, callback: (error: Error | null) => void) {
      windowing.destroy();
      callback(error);
    },
  });
  const add: AddValue = (series, value, time) => windowing.add(series, value, time);
  const windowing = make((window: MetricWindow) => {
    table.trim();
    stage.push(window);
  });
  return stage;
}
