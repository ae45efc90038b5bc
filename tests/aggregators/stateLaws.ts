/**
 * Shared helpers for the state-kind tests: feeding values, splitting an input at random cut
 * points, merging the parts' states, the JSON round trip, and closeness. Not a test file itself.
 */
import fc from 'fast-check';
import type { StateKind } from '../../src/aggregators/Aggregator.js';

/** A new state of `kind` fed `values` in order. */
export function feed<S>(kind: StateKind<S>, values: readonly number[]): S {
  const state = kind.create();
  for (const v of values) kind.add(state, v);
  return state;
}

/** `values` cut at `cuts` (any naturals, reduced modulo length + 1): parts in order, some empty. */
export function split(values: readonly number[], cuts: readonly number[]): number[][] {
  const at = cuts.map((c) => c % (values.length + 1)).sort((a, b) => a - b);
  const parts: number[][] = [];
  let from = 0;
  for (const to of at) {
    parts.push(values.slice(from, to));
    from = to;
  }
  parts.push(values.slice(from));
  return parts;
}

/** One state per part, merged left to right into a fresh state. */
export function mergeParts<S>(kind: StateKind<S>, parts: readonly (readonly number[])[]): S {
  const into = kind.create();
  for (const part of parts) kind.merge(into, feed(kind, part));
  return into;
}

/** `state` through its JSON form as it would travel: stringified, parsed, read back. */
export function roundTrip<S>(kind: StateKind<S>, state: S): S {
  return kind.fromJSON(JSON.parse(JSON.stringify(kind.toJSON(state))));
}

/** Cut points for {@link split}: up to 5 cuts, so up to 6 parts. */
export const cutsArb = fc.array(fc.nat(), { maxLength: 5 });

/** Bounded, non-extreme doubles (no NaN, no infinities), as the issue asks. */
export const doubleArb = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

/** Integers well inside the exact range of doubles, so every sum of them is exact. */
export const integerArb = fc.integer({ min: -1e6, max: 1e6 });

/** Either kind of value list: integers or bounded doubles. */
export const valuesArb = (minLength = 1) =>
  fc.oneof(fc.array(integerArb, { minLength, maxLength: 200 }), fc.array(doubleArb, { minLength, maxLength: 200 }));

/** `|a - b| <= rel * |b| + abs`, or both the same non-finite number. */
export function close(a: number, b: number, rel: number, abs = 0): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Object.is(a, b);
  return Math.abs(a - b) <= rel * Math.abs(b) + abs;
}

/** Sum of magnitudes: the scale of the rounding error of any summation order of `values`. */
export function magnitude(values: readonly number[]): number {
  let m = 0;
  for (const v of values) m += Math.abs(v);
  return m;
}
