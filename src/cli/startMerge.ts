import type { AggFunc } from '../aggregators/AggFunc.js';
import type { MElement } from '../MElement.js';
import type { MetrixError } from '../MetrixError.js';
import { type ObjectWritable, toSink } from '../sinks/toSink.js';
import { type CliConfig, DEFAULT_WINDOW_SECONDS } from './CliConfig.js';
import { CliReporter } from './CliReporter.js';
import { databaseSinks } from './databaseSinks.js';
import { resolveAggs } from './resolveAggs.js';
import { defaultAggNames } from './resolveConfig.js';
import type { CliAddresses, CliIO, CliRun } from './startCli.js';
import { stdoutSink } from './stdoutSink.js';

/** What `--merge` adds to the command's configuration. */
export interface MergeMode {
  /** The NATS server, `nats://host:port`. */
  url: string;
  /** The partitions this process merges (default: all). */
  owned?: number[];
  /** Partitions of the tier (default 8): the same on every edge and merger. */
  partitions?: number;
  /**
   * How long a window waits for late partials, ms of the partials' time (default: one window,
   * `--window`, so that edges whose clocks or input lag by up to a window still count).
   */
  allowedDelayMs?: number;
  /** Emit what a partition holds once it has been silent this long, ms (default 10 000). */
  idleMs?: number;
}

/**
 * The command's merge mode (`--merge nats://…`): no input; a {@link PartialMerger} merges the
 * partials edges publish (`--forward`) and hands the final aggregates to the command's sinks
 * (stdout, `--ndjson-out`, `--influx`, `--opentsdb`, `--graphite`, `--prometheus-port`).
 * Configured streams (`--stream`, the config file) merge with their own aggregations, any other
 * stream with the default ones (`--agg`): the edges must use the same. Runs until stopped
 * (SIGINT/SIGTERM): then the partials of windows still open go back to JetStream for the next
 * merging process, and the sinks are flushed. A partition silent for `idleMs` emits what it
 * holds. The NATS clients are loaded only here, so the command needs them only in this mode.
 *
 * @throws `MetrixError` `ERR_METRIX_INVALID_AGG` for an unknown aggregation name (a usage error).
 */
export function startMerge(config: CliConfig, mode: MergeMode, io: CliIO): CliRun {
  const streams: Record<string, Record<string, AggFunc>> = {};
  for (const s of config.streams) streams[s.name] = resolveAggs(s.agg ?? defaultAggNames(config));
  const defaultAgg = resolveAggs(defaultAggNames(config));
  const reporter = new CliReporter(io.stderr);
  let outCount = 0;
  let failure: Error | undefined;
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const fail = (err: Error, label?: string) => {
    if (failure === undefined) {
      failure = err;
      reporter.log(`error: ${label === undefined ? '' : `${label}: `}${err.message}`);
    }
    stopRequested();
  };
  const sinks: ObjectWritable[] = [];
  if (config.output !== 'none') {
    const stdout = stdoutSink(
      io.stdout,
      config.output,
      () => stopRequested(),
      (err) => fail(err, 'stdout'),
    );
    sinks.push(toSink(stdout.sink));
  }
  const { sinks: databases, prometheus } = databaseSinks(config);
  sinks.push(...databases);
  for (const sink of sinks) sink.on('error', (err: Error) => fail(err, 'sink'));

  // Every sink takes an aggregate before the merger counts it handed over (and acknowledges it).
  const fanOut = (element: MElement): Promise<void> => {
    outCount++;
    return Promise.all(
      sinks.map(
        (sink) => new Promise<void>((resolve, reject) => sink.write(element, (err) => (err ? reject(err) : resolve()))),
      ),
    ).then(() => undefined);
  };

  const addresses: CliAddresses = {};
  const listening = (async () => {
    if (prometheus === undefined) return addresses;
    try {
      addresses.prometheus = await prometheus.ready();
      reporter.log(`serving Prometheus metrics on ${addresses.prometheus.url}`);
    } catch (err) {
      fail(err as Error, 'Prometheus endpoint');
    }
    return addresses;
  })();

  const done = (async () => {
    let closeNats: (() => Promise<void>) | undefined;
    try {
      const [{ connect }, { PartialMerger }] = await Promise.all([
        import('@nats-io/transport-node'),
        import('../distribution/index.js'),
      ]).catch((err: Error) => {
        throw new Error(
          `--merge needs the NATS clients: npm install @nats-io/transport-node @nats-io/jetstream (${err.message})`,
        );
      });
      const nc = await connect({ servers: mode.url, maxReconnectAttempts: -1, noAsyncTraces: true });
      closeNats = () => nc.close();
      const merger = new PartialMerger(nc, {
        streams,
        defaultAgg,
        sink: fanOut,
        endSink: false,
        idleMs: mode.idleMs ?? 10_000,
        ...(mode.owned === undefined ? {} : { owned: mode.owned }),
        ...(mode.partitions === undefined ? {} : { partitions: mode.partitions }),
        allowedDelayMs: mode.allowedDelayMs ?? (config.defaultWindowSize ?? DEFAULT_WINDOW_SECONDS) * 1000,
      });
      merger.on('late', (err: MetrixError) => reporter.log(`late: ${err.message}`));
      merger.on('invalid', (err: MetrixError) => reporter.log(`invalid partial: ${err.message}`));
      merger.on('invalidResult', (err: MetrixError) => reporter.log(`error: ${err.message}`));
      merger.on('error', (err: Error) => fail(err, 'merge'));
      await merger.start();
      reporter.log(`merging partials from ${mode.url} (partitions ${merger.owned.join(',')})`);
      await stopped;
      const { late, replayed } = merger.stats();
      // Open windows go back to JetStream, unacknowledged, for the next merging process.
      await merger.close().catch((err: Error) => fail(err, 'merge'));
      if (late > 0) reporter.log(`${late} partial(s) arrived after their window was emitted: not merged`);
      if (replayed > 0)
        reporter.log(`${replayed} partial(s) delivered again after their window was emitted: not merged again`);
    } catch (err) {
      fail(err as Error);
    } finally {
      await closeNats?.().catch((err: Error) => fail(err, 'NATS'));
      await Promise.all(
        sinks.map(
          (sink) =>
            new Promise<void>((resolve) => {
              sink.once('finish', resolve);
              sink.once('error', () => resolve());
              sink.end();
            }),
        ),
      );
    }
    return failure === undefined ? 0 : 1;
  })();

  return { done, listening, stop: () => stopRequested(), counts: () => ({ in: 0, out: outCount }) };
}
