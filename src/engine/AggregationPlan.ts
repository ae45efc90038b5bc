import type { Aggregator, StateKind } from '../aggregators/Aggregator.js';

/**
 * Which states a window keeps for its aggregators: each distinct {@link StateKind} once (by id),
 * so `[sum, max, mean]`, which all read the summary state, update one state per value.
 * @category Stages
 */
export class AggregationPlan {
  /** The aggregators, in output order. */
  readonly aggregators: readonly Aggregator[];
  /** The distinct state kinds, in order of first use. */
  readonly kinds: readonly StateKind[];
  /** For aggregator `i`, the index in `kinds` (and in a group's `states`) of the state it reads. */
  readonly slotOf: readonly number[];
  readonly #single: StateKind | undefined;

  constructor(aggregators: readonly Aggregator[]) {
    const kinds: StateKind[] = [];
    const slotOf: number[] = [];
    for (const aggregator of aggregators) {
      let slot = kinds.findIndex((kind) => kind.id === aggregator.state.id);
      if (slot < 0) slot = kinds.push(aggregator.state) - 1;
      slotOf.push(slot);
    }
    this.aggregators = aggregators;
    this.kinds = kinds;
    this.slotOf = slotOf;
    this.#single = kinds.length === 1 ? kinds[0] : undefined;
  }

  /** A new state of each kind, in `kinds` order. */
  createStates(): unknown[] {
    const kinds = this.kinds;
    const states = new Array<unknown>(kinds.length);
    for (let i = 0; i < kinds.length; i++) states[i] = (kinds[i] as StateKind).create();
    return states;
  }

  /** Adds `value` to each state of a group. */
  add(states: unknown[], value: number): void {
    // One kind is the common case: a direct call the compiler can inline.
    const single = this.#single;
    if (single !== undefined) {
      single.add(states[0], value);
      return;
    }
    const kinds = this.kinds;
    for (let i = 0; i < kinds.length; i++) (kinds[i] as StateKind).add(states[i], value);
  }

  /** Whether this plan keeps a state of `kind` (by id), and at which index; `-1` when not. */
  slotOfKind(kind: StateKind): number {
    return this.kinds.findIndex((k) => k.id === kind.id);
  }
}
