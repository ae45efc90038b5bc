import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TransformCallback } from 'node:stream';
import { Transform } from 'readable-stream';
import { MCoordinator } from '../MCoordinator.js';
import type { MElement } from '../MElement.js';
import type { MetrixError } from '../MetrixError.js';
import type { LineParser } from '../parsers/LineParser.js';
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
import { formatHuman } from './formatHuman.js';

/** The streams the command talks to; `process.*` in the real command, stand-ins in tests. */
export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A running command: see {@link startCli}. */
export interface CliRun {
  /** Resolves with the exit code, `0` or `1`, once every window is flushed and every sink finished. */
  readonly done: Promise<number>;
  /** Resolves with the listeners' addresses once they listen (empty when there is none). */
  readonly listening: Promise<{ statsd?: AddressInfo; http?: AddressInfo; prometheus?: MSinkPrometheusAddress }>;
  /** Ends the run early (SIGINT/SIGTERM): listeners close, inputs stop, windows flush, sinks end. */
  stop(): void;
  /** Elements routed so far (`in`) and aggregates delivered (`out`), as the progress line shows. */
  counts(): { in: number; out: number };
}

const NEWLINE = Buffer.from('\n');
/** Messages about malformed lines printed one by one before only a count is kept. */
const MAX_REPORTED = 10;
const PROGRESS_MS = 500;

/**
 * Runs the `metrix-stream` command on a resolved configuration: builds the streams, the
 * coordinator and the sinks (synchronously: a bad aggregation name throws here, a usage error),
 * then reads the inputs, routes every element by name, creates streams for unseen names when
 * `unknown` is `auto`, and resolves `done` with the exit code once everything is flushed.
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
  let inCount = 0;
  let outCount = 0;
  const msinks: MSinkLike[] = [
    () => {
      outCount++;
    },
  ];
  if (config.output === 'human') {
    msinks.push((element: MElement) => writeText(io.stdout, formatHuman(element)));
  } else if (config.output === 'ndjson') {
    msinks.push(new MSinkNDJSON(io.stdout as never, { end: false }));
  }
  const mc = new MCoordinator({ mstreams, msinks, onUnknown: config.unknown === 'drop' ? 'drop' : 'error' });
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
  let prometheus: MSinkPrometheus | undefined;
  if (config.prometheusPort !== undefined) {
    prometheus = new MSinkPrometheus({ port: config.prometheusPort, host: config.host });
    mc.addMSink(prometheus);
  }

  // ---- reporting ----
  const showProgress = config.progress ?? io.stderr.isTTY === true;
  let progressShown = false;
  const log = (message: string) => {
    if (progressShown) io.stderr.write('\r\x1b[2K');
    progressShown = false;
    io.stderr.write(`metrix-stream: ${message}\n`);
  };
  let failure: Error | undefined;
  const fail = (err: Error, label?: string) => {
    if (failure === undefined) {
      failure = err;
      log(`error: ${label === undefined ? '' : `${label}: `}${err.message}`);
    }
    stop();
  };
  let malformedCount = 0;
  const onMalformed = (label: string) => (err: MetrixError) => {
    malformedCount++;
    if (malformedCount <= MAX_REPORTED) log(`skipped: ${label}: ${err.message}`);
    if (malformedCount === MAX_REPORTED + 1) log('more malformed lines skipped; the count follows at the end');
  };
  const unknownNames = new Set<string>();
  mc.on('unknown', (err: MetrixError) => {
    const name = (err.input as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && unknownNames.size < MAX_REPORTED) unknownNames.add(name);
  });
  mc.on('sinkError', (err: MetrixError) => log(`error: ${err.message}`));
  mc.on('error', (err: Error) => fail(err));
  io.stdout.on('error', (err: Error) => fail(err, 'stdout'));

  // ---- routing: every input is piped (without end) into the router ----
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
  const closed = new Promise<void>((resolve) => {
    router.on('end', () => {
      mc.close().then(resolve, (err: Error) => {
        fail(err);
        resolve();
      });
    });
  });

  // Open inputs: the file sequence, each listener while it listens, each HTTP request in flight.
  let openInputs = 0;
  let stopping = false;
  const stoppers = new Set<() => void>();
  const release = () => {
    openInputs--;
    if (openInputs === 0 && !router.writableEnded) router.end();
  };
  const attach = (parser: LineParser, label: string, onClose?: () => void) => {
    parser.on('malformed', onMalformed(label));
    parser.on('error', (err: Error) => fail(err, label));
    parser.once('close', () => onClose?.());
    parser.pipe(router as never, { end: false });
  };
  const makeParser = (format: CliConfig['format'], onMalformedMode: CliConfig['onMalformed']) => {
    const options = {
      onMalformed: onMalformedMode,
      ...(config.maxLineLength === undefined ? {} : { maxLineLength: config.maxLineLength }),
    };
    return format === 'statsd' ? parseStatsD(options) : parseNDJSON(options);
  };

  function stop(): void {
    if (stopping) return;
    stopping = true;
    for (const s of [...stoppers]) s();
    if (openInputs === 0 && !router.writableEnded) router.end();
  }

  // ---- the files (or stdin), one after the other ----
  const files = config.files.length > 0 ? config.files : [];
  const useStdin = files.length === 0 && config.statsdPort === undefined && config.httpPort === undefined;
  const sequence = useStdin ? ['-'] : files;
  async function readSequence(): Promise<void> {
    for (const file of sequence) {
      if (stopping) break;
      const label = file === '-' ? 'stdin' : file;
      const source: NodeJS.ReadableStream = file === '-' ? io.stdin : createReadStream(file);
      const parser = makeParser(config.format, config.onMalformed);
      const ended = new Promise<void>((resolve) => attach(parser, label, resolve));
      const halt = () => {
        source.unpipe(parser as never);
        if (source !== io.stdin) (source as NodeJS.ReadableStream & { destroy(): void }).destroy();
        else io.stdin.pause();
        parser.stop();
      };
      stoppers.add(halt);
      source.once('error', (err: Error) => {
        fail(err, `cannot read ${label}`);
        parser.stop();
      });
      source.pipe(parser as never);
      await ended;
      stoppers.delete(halt);
    }
  }
  if (sequence.length > 0) {
    openInputs++;
    readSequence().then(release, (err: Error) => {
      fail(err);
      release();
    });
  }

  // ---- listeners ----
  const addresses: { statsd?: AddressInfo; http?: AddressInfo; prometheus?: MSinkPrometheusAddress } = {};
  const listening: Promise<void>[] = [];
  if (prometheus !== undefined) {
    listening.push(
      prometheus.ready().then(
        (address) => {
          addresses.prometheus = address;
          log(`serving Prometheus metrics on ${address.url}`);
        },
        (err: Error) => fail(err, 'Prometheus endpoint'),
      ),
    );
  }
  let udpDropped = 0;
  if (config.statsdPort !== undefined) {
    openInputs++;
    // Listeners always skip bad lines: one bad packet must not stop a server.
    const parser = makeParser('statsd', 'skip');
    attach(parser, 'udp', release);
    const socket = createSocket('udp4');
    socket.on('message', (msg: Buffer) => {
      // UDP has no backpressure: when the pipeline is behind, drop (and count) like a full socket would.
      if (parser.writableNeedDrain) {
        udpDropped++;
        return;
      }
      parser.write(msg.length > 0 && msg[msg.length - 1] === 0x0a ? msg : Buffer.concat([msg, NEWLINE]));
    });
    const closeSocket = () => {
      socket.close();
      parser.stop();
    };
    stoppers.add(closeSocket);
    listening.push(
      new Promise<void>((resolve) => {
        socket.once('error', (err: Error) => {
          fail(err, 'StatsD listener');
          resolve();
        });
        socket.bind(config.statsdPort, config.host, () => {
          addresses.statsd = socket.address();
          log(`listening for StatsD on udp://${config.host}:${addresses.statsd.port}`);
          resolve();
        });
      }),
    );
  }
  if (config.httpPort !== undefined) {
    openInputs++;
    const server = createServer((req, res) => handleHttp(req, res));
    let serverOpen = true;
    const closeServer = () => {
      if (!serverOpen) return;
      serverOpen = false;
      server.close(() => release());
      server.closeIdleConnections();
    };
    stoppers.add(closeServer);
    listening.push(
      new Promise<void>((resolve) => {
        server.once('error', (err: Error) => {
          fail(err, 'HTTP listener');
          if (serverOpen) {
            serverOpen = false;
            release();
          }
          resolve();
        });
        server.listen(config.httpPort, config.host, () => {
          addresses.http = server.address() as AddressInfo;
          log(`accepting NDJSON on http://${config.host}:${addresses.http.port}/ (POST)`);
          resolve();
        });
      }),
    );
  }

  function handleHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path !== '/' && path !== '/ingest') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: POST NDJSON to / or /ingest\n');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST NDJSON lines here\n');
      return;
    }
    if (stopping) {
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' }).end('shutting down\n');
      return;
    }
    openInputs++;
    const parser = makeParser('ndjson', 'skip');
    let accepted = 0;
    const errors: string[] = [];
    parser.on('data', () => accepted++);
    parser.on('malformed', (err: MetrixError) => {
      if (errors.length < MAX_REPORTED) errors.push(err.message);
    });
    const halt = () => {
      req.unpipe(parser as never);
      parser.stop();
    };
    stoppers.add(halt);
    attach(parser, 'http', () => {
      stoppers.delete(halt);
      const malformed = parser.malformedCount;
      // 400 when any line was bad — the valid lines were still accepted, as the body says.
      res.writeHead(malformed > 0 ? 400 : 200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ accepted, malformed, errors })}\n`);
      release();
    });
    req.on('aborted', () => parser.stop());
    req.pipe(parser as never);
  }

  // ---- progress line ----
  let timer: ReturnType<typeof setInterval> | undefined;
  if (showProgress) {
    let lastIn = 0;
    let lastAt = Date.now();
    timer = setInterval(() => {
      const now = Date.now();
      const rate = Math.round(((inCount - lastIn) * 1000) / Math.max(1, now - lastAt));
      lastIn = inCount;
      lastAt = now;
      io.stderr.write(`\r\x1b[2Kmetrix-stream: ${inCount} in, ${outCount} out, ${rate}/s`);
      progressShown = true;
    }, PROGRESS_MS);
    timer.unref();
  }

  const done = (async () => {
    await closed;
    if (timer !== undefined) clearInterval(timer);
    if (progressShown) io.stderr.write('\r\x1b[2K');
    progressShown = false;
    if (malformedCount > 0) log(`skipped ${malformedCount} malformed line(s)`);
    if (mc.unknownCount > 0) {
      log(`dropped ${mc.unknownCount} element(s) with no stream (names: ${[...unknownNames].join(', ')})`);
    }
    if (udpDropped > 0) log(`dropped ${udpDropped} UDP packet(s) while the pipeline was behind`);
    if (showProgress) log(`${inCount} in, ${outCount} out`);
    return failure === undefined ? 0 : 1;
  })();

  return {
    done,
    listening: Promise.all(listening).then(() => addresses),
    stop,
    counts: () => ({ in: inCount, out: outCount }),
  };
}

/** Writes text, resolving after `'drain'` when the stream is full (and rejecting on its error). */
function writeText(stream: NodeJS.WritableStream, text: string): undefined | Promise<void> {
  if (stream.write(text)) return undefined;
  return once(stream as never, 'drain').then(() => undefined);
}
