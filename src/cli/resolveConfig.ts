import { ErrorCode, MetrixError } from '../MetrixError.js';
import {
  type CliConfig,
  DEFAULT_AGG,
  DEFAULT_MAX_SERIES,
  DEFAULT_WINDOW_SECONDS,
  type StreamConfig,
} from './CliConfig.js';
import type { CliFlags } from './parseCliArgs.js';
import type { CliConfigFile } from './parseConfigFile.js';

/**
 * Merges command-line flags over a config file's settings and fills in the defaults, a pure
 * function. A flag wins over the file; `--window`/`--batch` replace the file's grouping as one;
 * `--tag`s extend the file's `defaultTags`; `--stream`s come after the file's streams; input files
 * on the command line replace the file's `files`.
 *
 * Defaults: format `ndjson`, unknown names `auto`, output `human`, host `127.0.0.1`,
 * malformed lines `error`, created streams aggregate `count, sum, mean, min, max` over 10-second
 * windows by arrival time, at most 10 000 tag sets a stream.
 *
 * @throws {@link MetrixError} `ERR_METRIX_DUPLICATE_METRIC` when two streams share a name.
 */
export function resolveConfig(flags: CliFlags, file: CliConfigFile = {}): CliConfig {
  const streams: StreamConfig[] = [...(file.streams ?? []), ...flags.streams];
  const names = new Set<string>();
  for (const s of streams) {
    if (names.has(s.name)) {
      throw new MetrixError(ErrorCode.DUPLICATE_METRIC, `two streams are named "${s.name}"`, { input: s.name });
    }
    names.add(s.name);
  }
  const flagGrouping = flags.defaultWindowSize !== undefined || flags.defaultBatchSize !== undefined;
  const grouping = flagGrouping ? flags : file;
  const defaultBatchSize = grouping.defaultBatchSize;
  return {
    files: flags.files.length > 0 ? flags.files : (file.files ?? []),
    format: flags.format ?? file.format ?? 'ndjson',
    streams,
    defaultAgg: flags.defaultAgg ?? file.defaultAgg,
    defaultWindowSize:
      grouping.defaultWindowSize ?? (defaultBatchSize === undefined ? DEFAULT_WINDOW_SECONDS : undefined),
    defaultBatchSize,
    defaultTags: { ...file.defaultTags, ...flags.defaultTags },
    unknown: flags.unknown ?? file.unknown ?? 'auto',
    output: flags.output ?? file.output ?? 'human',
    ndjsonOut: flags.ndjsonOut ?? file.ndjsonOut,
    influxUrl: flags.influxUrl ?? file.influxUrl,
    influxDb: flags.influxDb ?? file.influxDb,
    opentsdbUrl: flags.opentsdbUrl ?? file.opentsdbUrl,
    graphite: flags.graphite ?? file.graphite,
    prometheusPort: flags.prometheusPort ?? file.prometheusPort,
    statsdPort: flags.statsdPort ?? file.statsdPort,
    httpPort: flags.httpPort ?? file.httpPort,
    host: flags.host ?? file.host ?? '127.0.0.1',
    onMalformed: flags.onMalformed ?? file.onMalformed ?? 'error',
    maxLineLength: flags.maxLineLength ?? file.maxLineLength,
    maxStreams: flags.maxStreams ?? file.maxStreams,
    maxSeries: flags.maxSeries ?? file.maxSeries ?? DEFAULT_MAX_SERIES,
    windowTime: flags.windowTime ?? file.windowTime ?? 'arrival',
    allowedLateness: flags.allowedLateness ?? file.allowedLateness,
    udpBufferBytes: flags.udpBufferBytes ?? file.udpBufferBytes,
    progress: flags.progress ?? file.progress,
    forward: flags.forward,
    merge: flags.merge,
  };
}

/** The aggregation names a created stream (or a configured one without `agg`) uses. */
export function defaultAggNames(config: CliConfig): NonNullable<CliConfig['defaultAgg']> {
  return config.defaultAgg ?? DEFAULT_AGG;
}
