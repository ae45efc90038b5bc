/**
 * An aggregation function: the values of one group (never empty) → one number. Its `name`
 * names the aggregated metric (`<stream>.<name>`) unless the aggregation is given under another
 * name. Any user function of this shape works; the built-ins are {@link sum}, {@link count},
 * {@link min}, {@link max}, {@link mean}, {@link median}, {@link stdev}, {@link variance},
 * {@link first}, {@link last} and {@link percentile}.
 *
 * (A later version may let built-ins carry an incremental, mergeable form so that a window keeps
 * one small state per group; this function type stays the public contract.)
 */
export type AggFunc = (values: readonly number[]) => number;
