import type { AggFunc } from '../aggregators/AggFunc.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { describe } from './describe.js';

/** What `agg` may be: one function, an array of named functions, or a map of name to function. */
export type AggSpec = AggFunc | readonly AggFunc[] | Readonly<Record<string, AggFunc>>;

/** Turns an `agg` option into an ordered map of aggregation name → function, or throws. */
export function parseAgg(agg: unknown): Map<string, AggFunc> {
  const fail = (why: string): never => {
    throw new MetrixError(
      ErrorCode.INVALID_AGG,
      `agg ${why}; it must be a function, a non-empty array of named functions, or an object of name → function`,
      { input: agg },
    );
  };
  const aggs = new Map<string, AggFunc>();
  const add = (name: string, fn: unknown, where: string) => {
    if (typeof fn !== 'function') fail(`${where} is ${describe(fn)}, not a function`);
    if (name.length === 0) fail(`${where} has no name (give it a name or use { name: fn })`);
    if (aggs.has(name)) fail(`names "${name}" twice`);
    aggs.set(name, fn as AggFunc);
  };
  if (typeof agg === 'function') {
    add(agg.name, agg, 'the function');
  } else if (Array.isArray(agg)) {
    if (agg.length === 0) fail('is an empty array');
    agg.forEach((fn, i) => {
      add(typeof fn === 'function' ? fn.name : '', fn, `agg[${i}]`);
    });
  } else if (agg !== null && typeof agg === 'object') {
    const entries = Object.entries(agg);
    if (entries.length === 0) fail('is an empty object');
    for (const [name, fn] of entries) add(name, fn, `agg.${name}`);
  } else {
    fail(`is ${describe(agg)}`);
  }
  return aggs;
}
