import { MStream } from '../MStream.js';
import type { StatsDType } from '../parsers/parseStatsD.js';
import { statsdAggregations } from '../parsers/statsdAggregations.js';
import type { CliConfig, StreamConfig } from './CliConfig.js';
import { resolveAggs } from './resolveAggs.js';
import { defaultAggNames } from './resolveConfig.js';

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
    ...(windowSize !== undefined ? { windowSize } : { batchSize: batchSize as number }),
    defaultTags: { ...config.defaultTags, ...stream.defaultTags },
  });
}

/**
 * Builds the stream created for an element whose name has no configured stream (`--unknown
 * auto`): the default grouping and tags, and the default aggregations — except for StatsD input
 * when no `--agg` was given, where the aggregations are those that reproduce the StatsD daemon's
 * figures for the element's type ({@link statsdAggregations}).
 */
export function buildAutoMStream(name: string, type: StatsDType | undefined, config: CliConfig): MStream {
  if (type !== undefined && config.defaultAgg === undefined) {
    const windowSize = config.defaultWindowSize;
    return new MStream(name, {
      agg: statsdAggregations(type, windowSize === undefined ? {} : { windowSize }),
      ...(windowSize !== undefined ? { windowSize } : { batchSize: config.defaultBatchSize as number }),
      defaultTags: config.defaultTags,
    });
  }
  return buildMStream({ name }, config);
}
