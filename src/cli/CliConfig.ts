import type { AggNames } from './resolveAggs.js';
import type { ForwardMode } from './startForwarding.js';
import type { MergeMode } from './startMerge.js';

/** One stream of the command: what becomes `new MStream(name, { agg, windowSize | batchSize, defaultTags })`. */
export interface StreamConfig {
  /** Metric name; elements with this `name` are routed to it. */
  name: string;
  /** Aggregation names (`['count', 'p90', 'upper=max']`) or output name → aggregation name. */
  agg?: AggNames;
  /** Window in seconds (exclusive with `batchSize`). */
  windowSize?: number;
  /** Elements per batch (exclusive with `windowSize`). */
  batchSize?: number;
  /** Tags of every element of this stream; the element's own tags win. */
  defaultTags?: Readonly<Record<string, string>>;
}

/** What the command does with an element whose name has no configured stream. */
export type UnknownPolicy = 'auto' | 'drop' | 'error';

/** The command's whole configuration, after flags and config file are merged. */
export interface CliConfig {
  /** Input files, read one after the other; `-` is stdin. Empty: stdin, unless a listener is on. */
  files: string[];
  /** Format of the files and stdin. */
  format: 'ndjson' | 'statsd';
  /** Configured streams. */
  streams: StreamConfig[];
  /** Aggregations of streams created for unseen names (and of configured ones without `agg`). */
  defaultAgg: AggNames | undefined;
  /** Window of created streams (and of configured ones without a grouping), seconds. */
  defaultWindowSize: number | undefined;
  /** Batch size of created streams instead of a window. */
  defaultBatchSize: number | undefined;
  /** Tags added to every stream's `defaultTags` (a stream's own default tags win). */
  defaultTags: Record<string, string>;
  /** Unseen names: create a stream (`auto`), drop and count (`drop`) or fail (`error`). */
  unknown: UnknownPolicy;
  /** stdout: human-readable lines, NDJSON, or nothing. */
  output: 'human' | 'ndjson' | 'none';
  /** Also write NDJSON to this file (created or truncated). */
  ndjsonOut: string | undefined;
  /** Also send to InfluxDB (line protocol, `POST <url>/write`) at this URL. */
  influxUrl: string | undefined;
  /** The InfluxDB database (`db` parameter). */
  influxDb: string | undefined;
  /** Also send to OpenTSDB at this URL: `http://host:4242` (HTTP API) or `telnet://host:4242`. */
  opentsdbUrl: string | undefined;
  /** Also send to Graphite's plaintext listener at `host:port`. */
  graphite: string | undefined;
  /** Also serve the aggregates to a Prometheus scraper on this port (path `/metrics`, on `host`). */
  prometheusPort: number | undefined;
  /** UDP port of a StatsD listener, when set. */
  statsdPort: number | undefined;
  /** TCP port of an HTTP listener for POSTed NDJSON, when set. */
  httpPort: number | undefined;
  /** Address the listeners bind to. */
  host: string;
  /** Malformed lines in files and stdin: fail (`error`) or skip and count (`skip`). */
  onMalformed: 'error' | 'skip';
  /** Longest accepted input line, bytes. */
  maxLineLength: number | undefined;
  /** Most streams created for unseen names under `unknown: 'auto'`; default 1000. */
  maxStreams: number | undefined;
  /** Receive buffer asked of the kernel for the UDP listener, bytes; default 8 MiB. */
  udpBufferBytes: number | undefined;
  /** Which time chooses a windowed stream's window: arrival (default) or the elements' own `time`. */
  windowTime: 'arrival' | 'event';
  /** With event time: how late (seconds) an element may be and still be merged; default 0. */
  allowedLateness: number | undefined;
  /** Most distinct tag sets per stream; past it, new ones fold into an overflow series. */
  maxSeries: number;
  /** `--forward`: also publish each window's mergeable states to NATS JetStream, for a merging tier. */
  forward: ForwardMode | undefined;
  /** `--merge`: read no input; merge what edges forward and send the final aggregates to the outputs. */
  merge: MergeMode | undefined;
  /** The progress line: `undefined` = only when stderr is a TTY. */
  progress: boolean | undefined;
}

/** Aggregations of created streams when none are configured. */
export const DEFAULT_AGG: readonly string[] = ['count', 'sum', 'mean', 'min', 'max'];
/** The command's cardinality limit per stream (the library has none unless asked). */
export const DEFAULT_MAX_SERIES = 10_000;
/** Window of created streams when no grouping is configured, seconds. */
export const DEFAULT_WINDOW_SECONDS = 10;
