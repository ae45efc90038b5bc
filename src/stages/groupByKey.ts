import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { type AddValue, addChunk, type KeyedValue } from '../engine/KeyedValue.js';
import { SeriesTable } from '../engine/SeriesTable.js';
import { normalizeTags } from '../internal/tags.js';
import { positiveInteger, streamOptions } from '../internal/validate.js';
import type { TagsInput } from '../Tags.js';
import type { StageOptions } from './StageOptions.js';

/**
 * Options of {@link groupByKey}.
 * @category Stages
 */
export interface GroupByKeyOptions extends StageOptions {
  /** Tags given to every element; an element's own tags override and extend them. */
  defaultTags?: TagsInput;
  /** Series (tag sets) kept from one window to the next; see {@link SeriesTableOptions}. */
  maxRetained?: number;
}

/**
 * Validates each element and resolves its tag set to its {@link Series} — one object per
 * distinct tag set (its key and frozen tags), kept from one window to the next in a bounded
 * table — and emits a {@link KeyedValue} `{ series, value, time }` per element, in order. The
 * window stages ({@link windowByTime}, {@link batchByCount}) then fold each value into its
 * series' state.
 *
 * Input: numbers, {@link MElement}s or `{ value, tags?, time? }` objects. An invalid one fails
 * the stage with its code (`ERR_METRIX_INVALID_VALUE`, `…_TAGS`, `…_TIME`, `…_ELEMENT`).
 *
 * `a{x} b{y} c{x}` → `(x, a) (y, b) (x, c)`, where both `x` are the same Series object
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_TAGS` for bad `defaultTags`.
 * @example
 * ```ts
 * import { batchByCount, groupByKey, sum } from 'metrix-stream';
 * const batches = groupByKey({ defaultTags: { host: 'a' } }).pipe(batchByCount(100, { agg: sum }));
 * ```
 * @see {@link windowByTime} and {@link batchByCount} after it; {@link keyFromTags} for the key.
 * @category Stages
 */
export function groupByKey(options: GroupByKeyOptions = {}): Transform {
  const { maxRetained } = options;
  if (maxRetained !== undefined) positiveInteger(maxRetained, 'groupByKey(options): maxRetained');
  const table = new SeriesTable(normalizeTags(options.defaultTags), maxRetained === undefined ? {} : { maxRetained });
  let stage: Transform;
  const emit: AddValue = (series, value, time) => {
    const keyed: KeyedValue = { series, value, time };
    stage.push(keyed);
  };
  let sinceTrim = 0;
  stage = new Transform({
    ...streamOptions(options),
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback) {
      // Standing alone, the stage does not see windows close: it bounds its table every so often
      // instead, keeping the series seen since the last time. (A window stage downstream adopts
      // the series into a table of its own, so this never splits one of its groups.)
      if (++sinceTrim === 4096) {
        sinceTrim = 0;
        table.trim();
      }
      try {
        addChunk(table, chunk, 'groupByKey', emit);
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback();
    },
  });
  return stage;
}
