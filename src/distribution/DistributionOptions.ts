/**
 * Where the tier's messages live; edges and merging processes must agree on all of it.
 */
export interface DistributionOptions {
  /** First subject token(s): partials go to `<prefix>.partials.…`, merge progress to `<prefix>.merged.…`. Default `'metrix'`. */
  subjectPrefix?: string;
  /** The JetStream stream of partials (default `'METRIX_PARTIALS'`); merge progress is kept in `<name>_MERGED`. */
  streamName?: string;
  /** Number of partitions of the series (an integer ≥ 1, default 8): fixed for the life of the stream. */
  partitions?: number;
}

/** {@link DistributionOptions} with their defaults. @internal */
export interface ResolvedDistribution {
  readonly subjectPrefix: string;
  readonly streamName: string;
  readonly partitions: number;
}
