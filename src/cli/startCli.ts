import type { AddressInfo } from 'node:net';
import { MCoordinator } from '../MCoordinator.js';
import type { MetrixError } from '../MetrixError.js';
import { LineReader } from '../parsers/LineReader.js';
import { ndjsonFormat } from '../parsers/ndjsonFormat.js';
import { type StatsDFormat, statsdFormat } from '../parsers/statsdFormat.js';
import type { MSinkPrometheusAddress } from '../sinks/MSinkPrometheus.js';
import type { MSinkLike } from '../sinks/toSink.js';
import { buildMStream } from './buildMStream.js';
import type { CliConfig } from './CliConfig.js';
import { CliReporter } from './CliReporter.js';
import { databaseSinks } from './databaseSinks.js';
import type { CliInput, InputContext } from './inputs/CliInput.js';
import { fileInput } from './inputs/fileInput.js';
import { httpInput } from './inputs/httpInput.js';
import { DEFAULT_UDP_BUFFER_BYTES, udpInput } from './inputs/udpInput.js';
import { Router } from './Router.js';
import { resolveAggs } from './resolveAggs.js';
import { startForwarding } from './startForwarding.js';
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
  const mc = new MCoordinator({ mstreams, msinks });
  const { sinks: databases, prometheus } = databaseSinks(config);
  for (const sink of databases) mc.addMSink(sink);

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
  mc.on('sinkError', (err: MetrixError) => reporter.log(`error: ${err.message}`));
  mc.on('error', (err: Error) => fail(err));

  // ---- --forward: every stream's windows also go to NATS JetStream, for a merging tier ----
  const forwarding =
    config.forward === undefined
      ? undefined
      : startForwarding(
          config.forward,
          (message) => reporter.log(message),
          (err) => fail(err, 'forward'),
        );
  if (forwarding !== undefined) {
    for (const mstream of mstreams) forwarding.attach(mstream);
    // Streams created later for unseen names are forwarded too.
    const addMStream = mc.addMStream.bind(mc);
    mc.addMStream = (mstream) => {
      forwarding.attach(mstream);
      return addMStream(mstream);
    };
  }

  // ---- routing: inputs parse and route whole chunks of lines, straight into the streams ----
  const router = new Router(mc, config, { fail: (err) => fail(err), log: (message) => reporter.log(message) });
  const statsdFormats: StatsDFormat[] = [];
  const ctx: InputContext = {
    router,
    format: (kind) => {
      if (kind === 'ndjson') return ndjsonFormat();
      const format = statsdFormat();
      statsdFormats.push(format);
      return format;
    },
    maxLineLength: config.maxLineLength ?? LineReader.DEFAULT_MAX_LINE_LENGTH,
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
  if (config.statsdPort !== undefined) {
    inputs.statsd = udpInput(ctx, {
      port: config.statsdPort,
      host: config.host,
      recvBufferBytes: config.udpBufferBytes ?? DEFAULT_UDP_BUFFER_BYTES,
    });
  }
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

  const showProgress = config.progress ?? io.stderr.isTTY === true;
  const losses = (): Record<string, number> => {
    const udp = inputs.statsd?.counts();
    return {
      'dropped (no stream)': router.unknown,
      'dropped (--max-streams)': router.overLimit,
      'refused by a stream': router.refused,
      'UDP dropped while behind': udp?.dropped ?? 0,
      'UDP dropped by the kernel': udp?.kernelDropped ?? 0,
      ...streamLosses(mc),
    };
  };
  if (showProgress) reporter.startProgress(() => ({ in: router.routed, out: outCount, extra: losses() }));

  const done = (async () => {
    await Promise.all(all.map((input) => input.done));
    await mc.close().catch((err: Error) => fail(err));
    await forwarding?.close().catch((err: Error) => fail(err, 'forward'));
    reporter.stopProgress();
    reportLosses(reporter, router, statsdFormats, inputs.statsd?.counts(), failure !== undefined);
    for (const [what, n] of Object.entries(streamLosses(mc))) if (n > 0) reporter.log(`${n} ${what}`);
    if (showProgress) reporter.finalSummary({ in: router.routed, out: outCount });
    return failure === undefined ? 0 : 1;
  })();

  return {
    done,
    listening: Promise.all(listening).then(() => addresses),
    stop,
    counts: () => ({ in: router.routed, out: outCount }),
  };
}

/**
 * What the streams themselves did not aggregate as given, summed over the streams: late
 * elements (event time), values folded past `--max-series`, aggregates dropped as non-finite.
 */
function streamLosses(mc: MCoordinator): Record<string, number> {
  let late = 0;
  let overflowed = 0;
  let invalidResults = 0;
  for (const mstream of mc.mstreams.values()) {
    const stats = mstream.stats();
    late += stats.late;
    overflowed += stats.overflowed;
    invalidResults += stats.invalidResults;
  }
  return {
    'late element(s) not merged (--event-time)': late,
    'value(s) folded into metrix.overflow=true past --max-series': overflowed,
    'aggregate(s) dropped as not finite': invalidResults,
  };
}

/**
 * The end-of-run lines that account for everything not aggregated: malformed lines skipped,
 * StatsD events and service checks ignored, elements dropped (no stream, past `--max-streams`)
 * or refused by their stream, UDP datagrams dropped while behind or by the kernel.
 */
function reportLosses(
  reporter: CliReporter,
  router: Router,
  statsdFormats: readonly StatsDFormat[],
  udp: Readonly<Record<string, number>> | undefined,
  failed: boolean,
): void {
  if (reporter.malformedCount > 0) reporter.log(`skipped ${reporter.malformedCount} malformed line(s)`);
  const events = statsdFormats.reduce((n, f) => n + f.events, 0);
  const checks = statsdFormats.reduce((n, f) => n + f.serviceChecks, 0);
  if (events + checks > 0) reporter.log(`ignored ${events} StatsD event(s) and ${checks} service check(s)`);
  const names = [...router.droppedNames].join(', ');
  if (router.unknown > 0) reporter.log(`dropped ${router.unknown} element(s) with no stream (names: ${names})`);
  if (router.overLimit > 0) {
    reporter.log(
      `dropped ${router.overLimit} element(s) of new names past --max-streams ${router.created} (names: ${names})`,
    );
  }
  // After a failure the streams refuse everything: that failure was reported already.
  if (router.refused > 0 && !failed) {
    reporter.log(`${router.refused} element(s) refused by their stream, the first: ${router.firstRefusal?.message}`);
  }
  const dropped = udp?.dropped ?? 0;
  if (dropped > 0) reporter.log(`dropped ${dropped} UDP datagram(s) while the pipeline was behind`);
  const kernelDropped = udp?.kernelDropped ?? 0;
  if (kernelDropped > 0) {
    reporter.log(`the kernel dropped ${kernelDropped} UDP datagram(s): its receive buffer was full (see --udp-buffer)`);
  }
}
