import { createWriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { MCoordinator } from '../MCoordinator.js';
import type { MetrixError } from '../MetrixError.js';
import { parseNDJSON } from '../parsers/parseNDJSON.js';
import { parseStatsD, type StatsDType } from '../parsers/parseStatsD.js';
import { MSinkGraphite } from '../sinks/MSinkGraphite.js';
import { MSinkInflux } from '../sinks/MSinkInflux.js';
import { MSinkNDJSON } from '../sinks/MSinkNDJSON.js';
import { MSinkOpenTSDB } from '../sinks/MSinkOpenTSDB.js';
import { MSinkPrometheus, type MSinkPrometheusAddress } from '../sinks/MSinkPrometheus.js';
import type { MSinkLike } from '../sinks/toSink.js';
import { buildAutoMStream, buildMStream } from './buildMStream.js';
import type { CliConfig } from './CliConfig.js';
import { CliReporter } from './CliReporter.js';
import type { CliInput, InputContext } from './inputs/CliInput.js';
import { fileInput } from './inputs/fileInput.js';
import { httpInput } from './inputs/httpInput.js';
import { udpInput } from './inputs/udpInput.js';
import { resolveAggs } from './resolveAggs.js';
import { stdoutSink } from './stdoutSink.js';

/** The streams the command talks to; `process.*` in the real command, stand-ins in tests. */
export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The addresses the command listens on, once it does. */
export interface CliAddresses {
  statsd?: AddressInfo;
  http?: AddressInfo;
  prometheus?: MSinkPrometheusAddress;
}

/** A running command: see {@link startCli}. */
export interface CliRun {
  /** Resolves with the exit code, `0` or `1`, once every window is flushed and every sink finished. */
  readonly done: Promise<number>;
  /** Resolves with the listeners' addresses once they listen (empty when there is none). */
  readonly listening: Promise<CliAddresses>;
  /** Ends the run early (SIGINT/SIGTERM): listeners close, inputs stop, windows flush, sinks end. */
  stop(): void;
  /** Elements routed so far (`in`) and aggregates delivered (`out`), as the progress line shows. */
  counts(): { in: number; out: number };
}

/**
 * Runs the `metrix-stream` command on a resolved configuration: builds the streams, the
 * coordinator and the sinks (synchronously: a bad aggregation name throws here, a usage error),
 * then starts the inputs ({@link fileInput}, {@link udpInput}, {@link httpInput}), routes every
 * element by name, creates streams for unseen names when `unknown` is `auto`, and resolves
 * `done` with the exit code once every input has ended and everything is flushed.
 *
 * Runtime failures (an unreadable file, a malformed line without `--skip-malformed`, a failed
 * sink, an unknown name under `--unknown error`, a port in use) are written to stderr, stop the
 * inputs, still flush what was aggregated, and give exit code 1.
 *
 * @throws {@link MetrixError} while building (`ERR_METRIX_INVALID_AGG`, `ERR_METRIX_INVALID_GROUPING`, …).
 */
export function startCli(config: CliConfig, io: CliIO): CliRun {
  // ---- build (throws on bad configuration: a usage error) ----
  const mstreams = config.streams.map((s) => buildMStream(s, config));
  // The aggregations of streams created later, checked now: an unknown name is a usage error
  // (exit 2) before any input is read, not a failure at the first element of a new name.
  if (config.defaultAgg !== undefined) resolveAggs(config.defaultAgg);
  let inCount = 0;
  let outCount = 0;
  const msinks: MSinkLike[] = [
    () => {
      outCount++;
    },
  ];
  if (config.output !== 'none') {
    const stdout = stdoutSink(
      io.stdout,
      config.output,
      () => stop(),
      (err) => fail(err, 'stdout'),
    );
    msinks.push(stdout.sink);
  }
  const mc = new MCoordinator({ mstreams, msinks, onUnknown: config.unknown === 'drop' ? 'drop' : 'error' });
  const prometheus = addDatabaseSinks(mc, config);

  // ---- reporting ----
  const reporter = new CliReporter(io.stderr);
  let failure: Error | undefined;
  const fail = (err: Error, label?: string) => {
    if (failure === undefined) {
      failure = err;
      reporter.log(`error: ${label === undefined ? '' : `${label}: `}${err.message}`);
    }
    stop();
  };
  const unknownNames = new Set<string>();
  mc.on('unknown', (err: MetrixError) => {
    const name = (err.input as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && unknownNames.size < 10) unknownNames.add(name);
  });
  mc.on('sinkError', (err: MetrixError) => reporter.log(`error: ${err.message}`));
  mc.on('error', (err: Error) => fail(err));

  // ---- routing: every input pipes (without end) into the router ----
  const auto = config.unknown === 'auto';
  const router = new Transform({
    objectMode: true,
    transform(element: { name?: unknown; type?: StatsDType }, _encoding: BufferEncoding, callback: TransformCallback) {
      inCount++;
      if (auto && typeof element?.name === 'string' && !mc.mstreams.has(element.name)) {
        try {
          mc.addMStream(buildAutoMStream(element.name, element.type, config));
        } catch (err) {
          callback(err as Error);
          return;
        }
      }
      callback(null, element);
    },
  });
  router.on('error', (err: Error) => fail(err));
  router.pipe(mc as never, { end: false });
  // A coordinator that failed takes no more input: drain the router into the void so that every
  // input can still end (and the run finish) instead of waiting on backpressure forever.
  mc.once('close', () => {
    if (!router.readableEnded) {
      router.unpipe(mc as never);
      router.resume();
    }
  });

  // ---- inputs ----
  const ctx: InputContext = {
    target: router as unknown as NodeJS.WritableStream,
    makeParser: (format, onMalformed) => {
      const options = {
        onMalformed,
        ...(config.maxLineLength === undefined ? {} : { maxLineLength: config.maxLineLength }),
      };
      return format === 'statsd' ? parseStatsD(options) : parseNDJSON(options);
    },
    malformed: (label, err) => reporter.malformed(label, err),
    fail,
    log: (message) => reporter.log(message),
  };
  const useStdin = config.files.length === 0 && config.statsdPort === undefined && config.httpPort === undefined;
  const files = useStdin ? ['-'] : config.files;
  const inputs: { files?: CliInput; statsd?: CliInput; http?: CliInput } = {};
  if (files.length > 0) {
    inputs.files = fileInput(ctx, { files, stdin: io.stdin, format: config.format, onMalformed: config.onMalformed });
  }
  if (config.statsdPort !== undefined) inputs.statsd = udpInput(ctx, { port: config.statsdPort, host: config.host });
  if (config.httpPort !== undefined) inputs.http = httpInput(ctx, { port: config.httpPort, host: config.host });
  const all = Object.values(inputs);
  let stopping = false;
  function stop(): void {
    if (stopping) return;
    stopping = true;
    for (const input of all) input.stop();
  }

  // ---- start: listeners first, so that their addresses are printed before any output ----
  const addresses: CliAddresses = {};
  const listening: Promise<unknown>[] = [];
  if (prometheus !== undefined) {
    listening.push(
      prometheus.ready().then(
        (address) => {
          addresses.prometheus = address;
          reporter.log(`serving Prometheus metrics on ${address.url}`);
        },
        (err: Error) => fail(err, 'Prometheus endpoint'),
      ),
    );
  }
  for (const [key, input] of Object.entries(inputs) as [keyof typeof inputs, CliInput][]) {
    listening.push(
      input.start().then((address) => {
        if (address !== undefined && key !== 'files') addresses[key] = address;
      }),
    );
  }
  // A failure before an input started (a bad Prometheus port) still stops it once started.
  if (stopping) for (const input of all) input.stop();

  const showProgress = config.progress ?? io.stderr.isTTY === true;
  const udpDropped = () => inputs.statsd?.counts().dropped ?? 0;
  if (showProgress) {
    reporter.startProgress(() => ({ in: inCount, out: outCount, extra: { 'UDP dropped': udpDropped() } }));
  }

  const done = (async () => {
    await Promise.all(all.map((input) => input.done));
    // 'close', not 'end': a router destroyed by an error never ends.
    const routed = new Promise<void>((resolve) => {
      if (router.destroyed) resolve();
      else router.once('close', resolve);
    });
    router.end();
    await routed;
    await mc.close().catch((err: Error) => fail(err));
    reporter.stopProgress();
    if (reporter.malformedCount > 0) reporter.log(`skipped ${reporter.malformedCount} malformed line(s)`);
    if (mc.unknownCount > 0) {
      reporter.log(`dropped ${mc.unknownCount} element(s) with no stream (names: ${[...unknownNames].join(', ')})`);
    }
    if (udpDropped() > 0) reporter.log(`dropped ${udpDropped()} UDP packet(s) while the pipeline was behind`);
    if (showProgress) reporter.finalSummary({ in: inCount, out: outCount });
    return failure === undefined ? 0 : 1;
  })();

  return {
    done,
    listening: Promise.all(listening).then(() => addresses),
    stop,
    counts: () => ({ in: inCount, out: outCount }),
  };
}

/** Adds the sinks of `--ndjson-out`, `--influx`, `--opentsdb`, `--graphite`, `--prometheus-port`. */
function addDatabaseSinks(mc: MCoordinator, config: CliConfig): MSinkPrometheus | undefined {
  if (config.ndjsonOut !== undefined) mc.addMSink(new MSinkNDJSON(createWriteStream(config.ndjsonOut)));
  if (config.influxUrl !== undefined) {
    mc.addMSink(
      new MSinkInflux({ url: config.influxUrl, ...(config.influxDb === undefined ? {} : { db: config.influxDb }) }),
    );
  }
  if (config.opentsdbUrl !== undefined) mc.addMSink(new MSinkOpenTSDB({ url: config.opentsdbUrl }));
  if (config.graphite !== undefined) {
    const colon = config.graphite.lastIndexOf(':');
    mc.addMSink(
      new MSinkGraphite({ host: config.graphite.slice(0, colon), port: Number(config.graphite.slice(colon + 1)) }),
    );
  }
  if (config.prometheusPort === undefined) return undefined;
  const prometheus = new MSinkPrometheus({ port: config.prometheusPort, host: config.host });
  mc.addMSink(prometheus);
  return prometheus;
}
