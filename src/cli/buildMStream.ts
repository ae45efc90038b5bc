import { MStream, type MStreamOptions } from '../MStream.js';
import type { StatsDType } from '../parsers/parseStatsD.js';
import { statsdAggregations } from '../parsers/statsdAggregations.js';
import type { CliConfig, StreamConfig } from './CliConfig.js';
import { resolveAggs } from './resolveAggs.js';
import { defaultAggNames } from './resolveConfig.js';
import { SampledCountMStream } from './SampledCountMStream.js';

/**
 * Builds the MStream of a configured stream: its own aggregations and grouping, else the
 * command's defaults; its default tags over the command's `defaultTags`.
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_AGG` for an unknown aggregation name, and
 * whatever MStream's constructor throws.
 */
export function buildMStream(stream: StreamConfig, config: CliConfig): MStream {
  const own = stream.windowSize !== undefined || stream.batchSize !== undefined;
  const windowSize = own ? stream.windowSize : config.defaultWindowSize;
  const batchSize = own ? stream.batchSize : config.defaultBatchSize;
  return new MStream(stream.name, {
    agg: resolveAggs(stream.agg ?? defaultAggNames(config)),
    ...grouping(windowSize, batchSize, config),
    defaultTags: { ...config.defaultTags, ...stream.defaultTags },
  });
}

/** The grouping options of a stream: a window (by arrival or event time) or a batch, and the cardinality limit. */
function grouping(
  windowSize: number | undefined,
  batchSize: number | undefined,
  config: CliConfig,
): Omit<MStreamOptions, 'agg' | 'defaultTags'> {
  const limit = { maxSeries: config.maxSeries };
  if (windowSize === undefined) return { batchSize: batchSize as number, ...limit };
  if (config.windowTime !== 'event') return { windowSize, ...limit };
  return { windowSize, windowTime: 'event', allowedLateness: config.allowedLateness ?? 0, ...limit };
}

/**
 * Builds the streams created for an element whose name has no configured stream (`--unknown
 * auto`): the default grouping and tags, and the default aggregations — except for StatsD input
 * when no `--agg` was given, where the aggregations are those that reproduce the StatsD daemon's
 * figures for the element's type ({@link statsdAggregations}). A timer, histogram or
 * distribution then gets two streams: its values (every figure but `count`) and a
 * {@link SampledCountMStream} that sums `1 / sampleRate` per value into `<name>.count`, as the
 * daemon counts sampled timings. Add every stream returned to the coordinator; elements go to the
 * first, and the weights to the second when there is one.
 */
export function buildAutoMStream(
  name: string,
  type: StatsDType | undefined,
  config: CliConfig,
): [MStream] | [MStream, SampledCountMStream] {
  if (type === undefined || config.defaultAgg !== undefined) return [buildMStream({ name }, config)];
  const windowSize = config.defaultWindowSize;
  const options = grouping(windowSize, config.defaultBatchSize, config);
  const agg = statsdAggregations(type, windowSize === undefined ? {} : { windowSize });
  const stream = (aggs: typeof agg) => new MStream(name, { agg: aggs, ...options, defaultTags: config.defaultTags });
  if (type !== 'ms' && type !== 'h' && type !== 'd') return [stream(agg)];
  const { count: _count, ...values } = agg;
  return [stream(values), new SampledCountMStream(name, { ...options, defaultTags: config.defaultTags })];
}
