import type { StateJSON, StateKind } from './Aggregator.js';
import { StateReader } from './StateReader.js';

/**
 * The state behind a user's aggregation function: the values in arrival order, in a plain array
 * (V8 stores an array of numbers as packed doubles, 8 bytes each).
 * @category Aggregators
 */
export type ArrivalValuesState = number[];

/**
 * The kind of {@link ArrivalValuesState}, id `'arrival'`: the values in arrival order, for any
 * aggregation function `(values) => number` that has no incremental form of its own. The
 * function receives the state's array itself (no copy, never sorted), exactly as it would have
 * received a group's values.
 *
 * - `add` appends (`push`).
 * - `merge(into, from)` appends `from`'s values after `into`'s, so arrival order is kept when
 *   `into` holds the earlier values.
 * - JSON: `{ v: 1, kind: 'arrival', values: number[] }`.
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_STATE` from `fromJSON` on a malformed form.
 * @example
 * ```ts
 * import { arrivalValuesState } from 'metrix-stream';
 * const s = arrivalValuesState.create();
 * for (const v of [3, 1, 2]) arrivalValuesState.add(s, v);
 * s; // [3, 1, 2]
 * ```
 * @see {@link valuesState}, {@link toAggregator}
 * @category Aggregators
 */
export const arrivalValuesState: StateKind<ArrivalValuesState> = {
  id: 'arrival',

  create(): ArrivalValuesState {
    return [];
  },

  add(state: ArrivalValuesState, value: number): void {
    state.push(value);
  },

  merge(into: ArrivalValuesState, from: ArrivalValuesState): void {
    // A loop, not push(...from): spreading a large state would overflow the call stack.
    for (let i = 0; i < from.length; i++) into.push(from[i] as number);
  },

  toJSON(state: ArrivalValuesState): StateJSON {
    return { v: 1, kind: 'arrival', values: state.slice() };
  },

  fromJSON(json: unknown): ArrivalValuesState {
    return new StateReader(json, 'arrival').finiteArray('values').slice();
  },
};
