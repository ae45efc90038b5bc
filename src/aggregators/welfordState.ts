import type { StateJSON, StateKind } from './Aggregator.js';
import { StateReader } from './StateReader.js';

/**
 * The state behind `variance` and `stdev`: the number of values, their running mean and the sum
 * of squared deviations from it (`m2`), whatever the number of values. Sample variance is
 * `m2 / (n - 1)`.
 * @category Aggregators
 */
export class WelfordState {
  /** Number of values added. */
  n = 0;
  /** Their mean (0 while empty). */
  mean = 0;
  /** Sum of squared deviations from the mean. */
  m2 = 0;
}

/**
 * The kind of {@link WelfordState}, id `'welford'`: count, mean and sum of squared deviations,
 * updated by Welford's method and merged by Chan et al.'s parallel formula.
 *
 * Welford rather than a sum of squares because `Σx² − n·mean²` cancels catastrophically when the
 * values are large and close together (latencies in ns, timestamps): `[1e9+1, 1e9+2, 1e9+3]` has
 * variance exactly 1 here. The results agree with the two-pass `variance()` to rounding (the
 * tests hold them to 1e-9 relative), not always to the last bit.
 *
 * - `add`: allocation-free, one division.
 * - `merge(into, from)`: `n = na + nb`, `δ = mean_b − mean_a`, `mean = mean_a + δ·nb/n`,
 *   `m2 = m2_a + m2_b + δ²·na·nb/n`; an empty side leaves the other unchanged.
 * - JSON: `{ v: 1, kind: 'welford', n, mean, m2 }` (an overflowed `mean`/`m2` written as
 *   `'Infinity'`, `'-Infinity'` or `'NaN'`).
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_STATE` from `fromJSON` on a malformed form.
 * @example
 * ```ts
 * import { welfordState } from 'metrix-stream';
 * const s = welfordState.create();
 * for (const v of [1, 2, 3, 4]) welfordState.add(s, v);
 * s.m2 / (s.n - 1); // 1.666…
 * ```
 * @see {@link summaryState}
 * @category Aggregators
 */
export const welfordState: StateKind<WelfordState> = {
  id: 'welford',

  create(): WelfordState {
    return new WelfordState();
  },

  add(state: WelfordState, value: number): void {
    const n = ++state.n;
    const delta = value - state.mean;
    state.mean += delta / n;
    state.m2 += delta * (value - state.mean);
  },

  merge(into: WelfordState, from: WelfordState): void {
    if (from.n === 0) return;
    if (into.n === 0) {
      into.n = from.n;
      into.mean = from.mean;
      into.m2 = from.m2;
      return;
    }
    const na = into.n;
    const nb = from.n;
    const n = na + nb;
    const delta = from.mean - into.mean;
    into.n = n;
    into.mean += (delta * nb) / n;
    into.m2 += from.m2 + ((delta * delta * na) / n) * nb;
  },

  toJSON(state: WelfordState): StateJSON {
    return {
      v: 1,
      kind: 'welford',
      n: state.n,
      mean: StateReader.writeNumber(state.mean),
      m2: StateReader.writeNumber(state.m2),
    };
  },

  fromJSON(json: unknown): WelfordState {
    const r = new StateReader(json, 'welford');
    const state = new WelfordState();
    state.n = r.count('n');
    state.mean = r.extended('mean');
    state.m2 = r.extended('m2');
    if (state.n === 0 && (state.mean !== 0 || state.m2 !== 0)) throw r.fail('mean', '0, with m2 0, in an empty state');
    // m2 is a sum of squares: negative only if the form was tampered with.
    if (state.m2 < 0) throw r.fail('m2', 'non-negative');
    return state;
  },
};
