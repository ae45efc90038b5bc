import type { AggFunc } from '../aggregators/AggFunc.js';
import { count, first, last, max, mean, median, min, stdev, sum, variance } from '../aggregators/builtins.js';
import { percentile } from '../aggregators/percentile.js';
import { describe } from '../internal/describe.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';

const BUILTINS: Readonly<Record<string, AggFunc>> = {
  count,
  sum,
  mean,
  min,
  max,
  median,
  stdev,
  variance,
  first,
  last,
};

/** The aggregation names the command understands, for help and error messages. */
export const AGG_NAMES = `${Object.keys(BUILTINS).join(', ')}, p<N> (percentile N, e.g. p90, p99.9)`;

/** Aggregations as a config or flag gives them: a list of names or of `alias=name`, or an object. */
export type AggNames = readonly string[] | Readonly<Record<string, string>>;

/**
 * One aggregation function by name: a built-in, or `p<N>` for the Nth percentile (`0 < N <= 100`).
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_AGG` for any other name (`p0`, `p101` included).
 */
export function aggByName(name: string): AggFunc {
  if (Object.hasOwn(BUILTINS, name)) return BUILTINS[name] as AggFunc;
  const p = /^p(\d+(?:\.\d+)?)$/.exec(name);
  if (p !== null) {
    const rank = Number(p[1]);
    // Checked here, not left to percentile(): the message names the aggregation the user typed.
    if (!(rank > 0 && rank <= 100)) {
      throw new MetrixError(
        ErrorCode.INVALID_AGG,
        `unknown aggregation ${describe(name)}: a percentile p<N> needs 0 < N <= 100`,
        { input: name },
      );
    }
    return percentile(rank);
  }
  throw new MetrixError(ErrorCode.INVALID_AGG, `unknown aggregation ${describe(name)}; known: ${AGG_NAMES}`, {
    input: name,
  });
}

/**
 * Resolves aggregation names to an `agg` map for MStream, in the given order. A list entry
 * `alias=name` names the output `<stream>.<alias>`; a plain `name` keeps its own name. An object
 * maps output name → aggregation name.
 *
 * `['sum', 'upper=max', 'p90']` → `{ sum, upper: max, p90: percentile(90) }`
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_AGG` for an unknown name, an empty list or a
 * name given twice.
 */
export function resolveAggs(names: AggNames): Record<string, AggFunc> {
  const entries: [string, string][] = Array.isArray(names)
    ? (names as readonly unknown[]).map((entry) => {
        if (typeof entry !== 'string') {
          throw new MetrixError(ErrorCode.INVALID_AGG, `aggregation names must be strings, got ${describe(entry)}`, {
            input: entry,
          });
        }
        const eq = entry.indexOf('=');
        return eq === -1 ? [entry.trim(), entry.trim()] : [entry.slice(0, eq).trim(), entry.slice(eq + 1).trim()];
      })
    : names !== null && typeof names === 'object'
      ? Object.entries(names as Record<string, unknown>).map(([alias, name]) => {
          if (typeof name !== 'string') {
            throw new MetrixError(
              ErrorCode.INVALID_AGG,
              `aggregation "${alias}" must name a function, got ${describe(name)}`,
              {
                input: name,
              },
            );
          }
          return [alias, name];
        })
      : [];
  if (entries.length === 0) {
    throw new MetrixError(ErrorCode.INVALID_AGG, `expected at least one aggregation, got ${describe(names)}`, {
      input: names,
    });
  }
  const out: Record<string, AggFunc> = {};
  for (const [alias, name] of entries) {
    if (alias === '')
      throw new MetrixError(ErrorCode.INVALID_AGG, `an aggregation has an empty name in ${describe(String(names))}`);
    if (Object.hasOwn(out, alias)) {
      throw new MetrixError(ErrorCode.INVALID_AGG, `aggregation "${alias}" is given twice`, { input: names });
    }
    // defineProperty: an alias is user text, and `__proto__` must stay a plain key.
    Object.defineProperty(out, alias, { value: aggByName(name), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
