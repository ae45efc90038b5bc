import { parseArgs } from 'node:util';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { CliConfig, StreamConfig } from './CliConfig.js';
import { parseStreamSpec } from './parseStreamSpec.js';
import { hostPort, httpUrl, parseNumber, parseTagList } from './parseValues.js';

/** The settings given on the command line: only those the user gave. */
export type CliFlags = Partial<Omit<CliConfig, 'streams' | 'files'>> & {
  /** Streams from `--stream` flags, in order. */
  streams: StreamConfig[];
  /** Positional arguments: input files (`-` = stdin). */
  files: string[];
  /** `--config FILE`. */
  configPath?: string;
};

/** What the command line asks for. */
export type CliCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; flags: CliFlags };

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  config: { type: 'string', short: 'c' },
  format: { type: 'string', short: 'f' },
  stream: { type: 'string', short: 's', multiple: true },
  agg: { type: 'string', short: 'a' },
  window: { type: 'string', short: 'w' },
  batch: { type: 'string', short: 'b' },
  tag: { type: 'string', short: 't', multiple: true },
  unknown: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'ndjson-out': { type: 'string' },
  influx: { type: 'string' },
  'influx-db': { type: 'string' },
  opentsdb: { type: 'string' },
  graphite: { type: 'string' },
  'prometheus-port': { type: 'string' },
  'statsd-port': { type: 'string' },
  'http-port': { type: 'string' },
  host: { type: 'string' },
  'skip-malformed': { type: 'boolean' },
  'max-line-length': { type: 'string' },
  'max-streams': { type: 'string' },
  'max-series': { type: 'string' },
  'event-time': { type: 'boolean' },
  'allowed-lateness': { type: 'string' },
  'udp-buffer': { type: 'string' },
  progress: { type: 'boolean' },
  forward: { type: 'string' },
  source: { type: 'string' },
  merge: { type: 'string' },
  partitions: { type: 'string' },
  'merge-idle': { type: 'string' },
  'no-progress': { type: 'boolean' },
} as const;

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
      { input: value },
    );
  }
  return value as T;
}

/**
 * Parses the command's arguments (without `node` and the script), a pure function: no file is
 * read and nothing is validated against the environment.
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for an unknown flag, a missing or
 * invalid value, or contradicting flags — a usage error (exit code 2).
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    // node:util's own message names the flag ("Unknown option '--x'"); keep it, add our code.
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, (err as Error).message, { cause: err, input: argv });
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const str = (key: keyof typeof OPTIONS) => values[key] as string | undefined;
  const flags: CliFlags = {
    files: positionals,
    streams: ((values.stream as string[] | undefined) ?? []).map(parseStreamSpec),
  };
  const configPath = str('config');
  if (configPath !== undefined) flags.configPath = configPath;
  const format = str('format');
  if (format !== undefined) flags.format = oneOf(format, ['ndjson', 'statsd'] as const, '--format');
  const agg = str('agg');
  if (agg !== undefined) flags.defaultAgg = agg.split(',').map((s) => s.trim());
  const window = str('window');
  const batch = str('batch');
  if (window !== undefined && batch !== undefined) {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'give --window or --batch, not both');
  }
  if (window !== undefined) flags.defaultWindowSize = parseNumber(window, '--window', { positive: true });
  if (batch !== undefined) flags.defaultBatchSize = parseNumber(batch, '--batch', { positive: true, integer: true });
  const tags = values.tag as string[] | undefined;
  if (tags !== undefined) flags.defaultTags = parseTagList(tags, '--tag');
  const unknown = str('unknown');
  if (unknown !== undefined) flags.unknown = oneOf(unknown, ['auto', 'drop', 'error'] as const, '--unknown');
  const output = str('output');
  if (output !== undefined) flags.output = oneOf(output, ['human', 'ndjson', 'none'] as const, '--output');
  const ndjsonOut = str('ndjson-out');
  if (ndjsonOut !== undefined) flags.ndjsonOut = ndjsonOut;
  const port = { integer: true, min: 0, max: 65535 };
  const influx = str('influx');
  if (influx !== undefined) flags.influxUrl = httpUrl(influx, '--influx', ['http:', 'https:']);
  const influxDb = str('influx-db');
  if (influxDb !== undefined) flags.influxDb = influxDb;
  const opentsdb = str('opentsdb');
  if (opentsdb !== undefined) flags.opentsdbUrl = httpUrl(opentsdb, '--opentsdb', ['http:', 'https:', 'telnet:']);
  const graphite = str('graphite');
  if (graphite !== undefined) flags.graphite = hostPort(graphite, '--graphite');
  const prometheusPort = str('prometheus-port');
  if (prometheusPort !== undefined) flags.prometheusPort = parseNumber(prometheusPort, '--prometheus-port', port);
  const statsdPort = str('statsd-port');
  if (statsdPort !== undefined) flags.statsdPort = parseNumber(statsdPort, '--statsd-port', port);
  const httpPort = str('http-port');
  if (httpPort !== undefined) flags.httpPort = parseNumber(httpPort, '--http-port', port);
  const host = str('host');
  if (host !== undefined) flags.host = host;
  if (values['skip-malformed']) flags.onMalformed = 'skip';
  const maxLine = str('max-line-length');
  if (maxLine !== undefined) {
    flags.maxLineLength = parseNumber(maxLine, '--max-line-length', { positive: true, integer: true });
  }
  const maxStreams = str('max-streams');
  if (maxStreams !== undefined) {
    flags.maxStreams = parseNumber(maxStreams, '--max-streams', { positive: true, integer: true });
  }
  const maxSeries = str('max-series');
  if (maxSeries !== undefined) {
    flags.maxSeries = parseNumber(maxSeries, '--max-series', { positive: true, integer: true });
  }
  if (values['event-time']) flags.windowTime = 'event';
  const lateness = str('allowed-lateness');
  if (lateness !== undefined) {
    if (!values['event-time'] && values.merge === undefined) {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, '--allowed-lateness goes with --event-time or --merge');
    }
    flags.allowedLateness = parseNumber(lateness, '--allowed-lateness', { min: 0 });
  }
  const udpBuffer = str('udp-buffer');
  if (udpBuffer !== undefined) {
    flags.udpBufferBytes = parseNumber(udpBuffer, '--udp-buffer', { positive: true, integer: true });
  }
  if (values.progress && values['no-progress']) {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'give --progress or --no-progress, not both');
  }
  if (values.progress) flags.progress = true;
  if (values['no-progress']) flags.progress = false;
  distributionFlags(str, flags, positionals);
  return { kind: 'run', flags };
}

/** `--forward URL [--source ID]` and `--merge URL [--partitions LIST] [--merge-idle SECONDS]`. */
function distributionFlags(
  str: (key: keyof typeof OPTIONS) => string | undefined,
  flags: CliFlags,
  files: string[],
): void {
  const usage = (message: string): never => {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, message);
  };
  const forward = str('forward');
  const merge = str('merge');
  if (forward !== undefined && merge !== undefined) usage('give --forward or --merge, not both');
  const source = str('source');
  if (forward !== undefined) {
    // Only time windows line up across processes.
    if (flags.defaultBatchSize !== undefined) usage('--forward needs windows (--window), not batches');
    flags.forward = { url: httpUrl(forward, '--forward', ['nats:']), ...(source === undefined ? {} : { source }) };
  } else if (source !== undefined) {
    usage('--source goes with --forward');
  }
  const partitions = str('partitions');
  const idle = str('merge-idle');
  if (merge === undefined) {
    if (partitions !== undefined || idle !== undefined) usage('--partitions and --merge-idle go with --merge');
    return;
  }
  if (files.length > 0 || flags.statsdPort !== undefined || flags.httpPort !== undefined) {
    usage('--merge reads no input: it merges what --forward edges publish');
  }
  flags.merge = {
    url: httpUrl(merge, '--merge', ['nats:']),
    ...(partitions === undefined
      ? {}
      : {
          owned: partitions
            .split(',')
            .map((p) => parseNumber(p.trim(), '--partitions', { integer: true, min: 0, max: 7 })),
        }),
    ...(idle === undefined ? {} : { idleMs: parseNumber(idle, '--merge-idle', { positive: true }) * 1000 }),
    ...(flags.allowedLateness === undefined ? {} : { allowedDelayMs: flags.allowedLateness * 1000 }),
  };
}
