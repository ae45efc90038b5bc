import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { StateJSON, StateKind } from './Aggregator.js';
import { LogarithmicMapping } from './LogarithmicMapping.js';
import { SKETCH_BIN_LIMIT, SketchStore } from './SketchStore.js';
import { StateReader } from './StateReader.js';

/**
 * A DDSketch: a quantile sketch with a relative-error guarantee and bounded memory. Positive
 * values are counted in logarithmic bins of one store, negative values by magnitude in another,
 * zeros in a counter; count, min and max are exact. Each store keeps at most 2048 bins
 * (folding its lowest ones beyond that), so memory is `O(bins)`
 * (at most about 17 kB per store), whatever the number of values.
 * @category Aggregators
 */
export class DDSketch {
  /** The mapping of values to bins (shared by every sketch of the same accuracy). @internal */
  readonly mapping: LogarithmicMapping;
  /** Bins of the positive values. @internal */
  readonly positive = new SketchStore();
  /** Bins of the negative values' magnitudes. @internal */
  readonly negative = new SketchStore();
  /** Number of zeros (0 and -0). */
  zeroCount = 0;
  /** Number of values. */
  count = 0;
  /** The smallest value, exactly (`+Infinity` while empty). */
  min = Number.POSITIVE_INFINITY;
  /** The largest value, exactly (`-Infinity` while empty). */
  max = Number.NEGATIVE_INFINITY;

  /** Sketches are made by their kind's `create()`. @internal */
  constructor(mapping: LogarithmicMapping) {
    this.mapping = mapping;
  }
}

/** One kind per accuracy, so that equal accuracies give the very same kind (and mergeable ids). */
const kinds = new Map<number, StateKind<DDSketch>>();

/**
 * The kind of {@link DDSketch} states of relative accuracy `α`, id `ddsketch:<α>`
 * (`'ddsketch:0.01'`): the state behind `percentile(p, { sketch: true })`. Calls with the same `α`
 * return the same object.
 *
 * Guarantee: {@link sketchQuantile} returns a value within relative error `α` (plus floating-point
 * rounding, below 1e-12 relative) of the exact value of that rank, as long as that value lies
 * in the bins kept: each store keeps its top 2048 bins, which at
 * `α = 0.01` span a factor of about 6·10^17 in magnitude below the largest magnitude of its
 * sign; values further below that (the lowest positive values, the negative values nearest 0)
 * are folded into the lowest kept bin, losing their accuracy, as in DDSketch's
 * collapsing-lowest stores. The extreme ranks (1 and n) return the exact min and max, and every
 * answer is clamped to [min, max].
 *
 * - `add`: one logarithm, allocation-free except when a store's range grows by a new chunk.
 * - `merge(into, from)`: adds bins, counts, min and max; commutative and associative
 *   (bin counts are integers), so any split of the input merges to the same sketch, bar folds.
 * - JSON: `{ v: 1, kind: 'ddsketch:<α>', count, zeroCount, min, max, positiveMinKey,
 *   positiveCounts, negativeMinKey, negativeCounts }`, each `…Counts` the bins from its
 *   `…MinKey` up (`[]` for an empty store); in an empty sketch `min` and `max` are `null`.
 *
 * @param relativeAccuracy - `α`, `0 < α < 1`; default `0.01` (1 %). It must be large enough
 *   that every double has its own integer bin key (about `α > 1e-13`).
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for another `relativeAccuracy`;
 *   `ERR_METRIX_INVALID_STATE` from `fromJSON` on a malformed form.
 * @example
 * ```ts
 * import { ddsketchState, sketchQuantile } from 'metrix-stream';
 * const kind = ddsketchState(0.01);
 * const s = kind.create();
 * for (let i = 1; i <= 1000; i++) kind.add(s, i);
 * sketchQuantile(s, 990); // ≈ 990, within 1 %
 * ```
 * @see {@link sketchQuantile}, {@link valuesState} for exact quantiles
 * @category Aggregators
 */
export function ddsketchState(relativeAccuracy = 0.01): StateKind<DDSketch> {
  let kind = kinds.get(relativeAccuracy);
  if (kind === undefined) {
    checkAccuracy(relativeAccuracy, 'ddsketchState(relativeAccuracy)');
    kind = makeKind(relativeAccuracy);
    kinds.set(relativeAccuracy, kind);
  }
  return kind;
}

/**
 * Throws unless `alpha` is a usable relative accuracy; `name` names the argument in the message.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT`
 */
export function checkAccuracy(alpha: unknown, name: string): asserts alpha is number {
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be a number with 0 < relativeAccuracy < 1, got ${String(alpha)}`,
      { input: alpha },
    );
  }
  // Keys are integers up to |ln x| / ln γ with |ln x| <= 745: past 2^52 they stop being exact.
  if (745 / Math.log1p((2 * alpha) / (1 - alpha)) >= 2 ** 52) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} is too small for every double to have its own bin, got ${alpha}`,
      { input: alpha },
    );
  }
}

function makeKind(alpha: number): StateKind<DDSketch> {
  const mapping = new LogarithmicMapping(alpha);
  const id = `ddsketch:${alpha}`;
  return Object.freeze({
    id,

    create(): DDSketch {
      return new DDSketch(mapping);
    },

    add(state: DDSketch, value: number): void {
      state.count++;
      if (value < state.min) state.min = value;
      if (value > state.max) state.max = value;
      if (value > 0) state.positive.add(mapping.key(value), 1);
      else if (value < 0) state.negative.add(mapping.key(-value), 1);
      else state.zeroCount++;
    },

    merge(into: DDSketch, from: DDSketch): void {
      if (from.count === 0) return;
      into.positive.merge(from.positive);
      into.negative.merge(from.negative);
      into.zeroCount += from.zeroCount;
      into.count += from.count;
      if (from.min < into.min) into.min = from.min;
      if (from.max > into.max) into.max = from.max;
    },

    toJSON(state: DDSketch): StateJSON {
      const empty = state.count === 0;
      return {
        v: 1,
        kind: id,
        count: state.count,
        zeroCount: state.zeroCount,
        min: empty ? null : state.min,
        max: empty ? null : state.max,
        positiveMinKey: state.positive.count === 0 ? 0 : state.positive.minKey,
        positiveCounts: state.positive.binCounts(),
        negativeMinKey: state.negative.count === 0 ? 0 : state.negative.minKey,
        negativeCounts: state.negative.binCounts(),
      };
    },

    fromJSON(json: unknown): DDSketch {
      const r = new StateReader(json, id);
      const state = new DDSketch(mapping);
      state.count = r.count('count');
      state.zeroCount = r.count('zeroCount');
      readStore(r, state.positive, 'positive');
      readStore(r, state.negative, 'negative');
      if (state.count !== state.zeroCount + state.positive.count + state.negative.count) {
        throw r.fail('count', 'zeroCount plus the sum of the bin counts');
      }
      if (state.count === 0) {
        r.absent('min');
        r.absent('max');
        return state;
      }
      state.min = r.finite('min');
      state.max = r.finite('max');
      const lowest = state.negative.count > 0 ? -1 : state.zeroCount > 0 ? 0 : 1;
      const highest = state.positive.count > 0 ? 1 : state.zeroCount > 0 ? 0 : -1;
      if (Math.sign(state.min) !== lowest) throw r.fail('min', 'of the sign of the lowest bin');
      if (Math.sign(state.max) !== highest) throw r.fail('max', 'of the sign of the highest bin');
      if (state.min > state.max) throw r.fail('min', `at most max (${state.max})`);
      return state;
    },
  });
}

/** Reads one store's `<sign>MinKey` and `<sign>Counts` into `store`. */
function readStore(r: StateReader, store: SketchStore, sign: 'positive' | 'negative'): void {
  const minKey = r.integer(`${sign}MinKey`);
  const counts = r.finiteArray(`${sign}Counts`);
  if (counts.length > SKETCH_BIN_LIMIT) throw r.fail(`${sign}Counts`, `at most ${SKETCH_BIN_LIMIT} bins`);
  if (!Number.isSafeInteger(minKey + counts.length)) throw r.fail(`${sign}MinKey`, 'a key in range');
  // Add the top bin first so that the store sizes its buffer for the whole range at once.
  for (let i = counts.length - 1; i >= 0; i--) {
    const c = counts[i] as number;
    if (!Number.isSafeInteger(c) || c < 0) throw r.fail(`${sign}Counts`, 'non-negative integer counts');
    if (c > 0) store.add(minKey + i, c);
  }
}

/**
 * The value of rank `rank` (1-based: 1 is the smallest) in sketch `state`, within its relative
 * accuracy of the exact value of that rank (see {@link ddsketchState} for the bound and the folded
 * bins). Rank 1 is the exact min, rank `count` the exact max; every answer is clamped to
 * [min, max]. For a percentile, pass the nearest rank `max(1, round(p / 100 × count))`, as
 * `percentile(p, { sketch: true })` does. A rank outside `[1, count]` is clamped into it; an
 * empty sketch gives `NaN`.
 *
 * @example
 * ```ts
 * import { ddsketchState, sketchQuantile } from 'metrix-stream';
 * const kind = ddsketchState();
 * const s = kind.create();
 * for (const v of [-5, 0, 10, 1000]) kind.add(s, v);
 * sketchQuantile(s, 3); // ≈ 10 (within 1 %)
 * ```
 * @see {@link ddsketchState}
 * @category Aggregators
 */
export function sketchQuantile(state: DDSketch, rank: number): number {
  const { count, min, max, negative, positive, zeroCount, mapping } = state;
  if (count === 0) return Number.NaN;
  if (rank <= 1) return min;
  if (rank >= count) return max;
  let value: number;
  if (rank <= negative.count) {
    // The most negative values have the largest magnitudes: count the negative bins from the top.
    value = -mapping.value(negative.keyAtRankFromTop(rank));
  } else if (rank <= negative.count + zeroCount) {
    return 0;
  } else {
    value = mapping.value(positive.keyAtRank(rank - negative.count - zeroCount));
  }
  return value < min ? min : Math.min(value, max);
}
