import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetrixError } from '../../MetrixError.js';
import { LineReader } from '../../parsers/LineReader.js';
import type { CliInput, InputContext } from './CliInput.js';
import { LineIngest } from './LineIngest.js';

/** Options of {@link httpInput}. */
export interface HttpInputOptions {
  /** TCP port (0: any free one). */
  port: number;
  /** Address to bind to. */
  host: string;
  /** A client must send its request headers within this time, ms (default 10 000). */
  headersTimeoutMs?: number;
  /** A client must send its whole request within this time, ms (default 120 000). */
  requestTimeoutMs?: number;
  /** After `stop()`, connections still open after this time are closed, ms (default 2 000). */
  stopGraceMs?: number;
}

/** Messages about bad lines returned in one response before only their count is kept. */
const MAX_ERRORS = 10;

/**
 * An HTTP listener for NDJSON: `POST /` or `/ingest` bodies are read chunk by chunk, each chunk's
 * lines parsed and routed in one pass (bad lines skipped, counted and named in the answer
 * `{"accepted","malformed","errors"}`, status 400 when any was bad, 200 otherwise); `GET /health`
 * answers `ok`. A body is paused, not dropped, while a stream is full.
 *
 * No client can keep it — or the command — alive: headers must arrive within `headersTimeoutMs`
 * and the whole request within `requestTimeoutMs` (checked every second); after `stop()` new
 * requests get 503, bodies in flight are cut at their last complete line and answered, idle
 * connections close at once and every other connection (a client that never finished its
 * headers, a stalled body) after `stopGraceMs`. `done` resolves once the server has closed.
 *
 * Counts: `requests` taken on the ingest path.
 */
export function httpInput(ctx: InputContext, options: HttpInputOptions): CliInput {
  const { headersTimeoutMs = 10_000, requestTimeoutMs = 120_000, stopGraceMs = 2_000 } = options;
  // One format for every request: lines of one series share their tags object across requests.
  const format = ctx.format('ndjson');
  let stopping = false;
  let serverOpen = false;
  let requests = 0;
  const inFlight = new Set<() => void>();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Node checks the two timeouts above on this interval (30 s by default).
      connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
    },
    (req, res) => handle(req, res),
  );

  function handle(req: IncomingMessage, res: ServerResponse): void {
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
    requests++;
    const reader = new LineReader(ctx.maxLineLength);
    const errors: string[] = [];
    const ingest = new LineIngest(
      format,
      ctx.router,
      ctx.maxLineLength,
      (err: MetrixError) => {
        ctx.malformed('http', err);
        if (errors.length < MAX_ERRORS) errors.push(err.message);
        return true;
      },
      true,
    );
    let finished = false;
    const finish = (dropTail: boolean) => {
      if (finished) return;
      finished = true;
      inFlight.delete(halt);
      req.off('data', onData);
      if (!dropTail) reader.end(ingest);
      if (!res.headersSent && !res.destroyed) {
        // 400 when any line was bad — the valid lines were still accepted, as the body says.
        res.writeHead(ingest.malformed > 0 ? 400 : 200, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify({ accepted: ingest.accepted, malformed: ingest.malformed, errors })}\n`);
      }
    };
    const onData = (chunk: Buffer) => {
      if (finished) return;
      reader.write(chunk, ingest);
      if (ctx.router.backedUp) {
        req.pause();
        ctx.router.room().then(() => {
          if (!finished) req.resume();
        });
      }
    };
    // Stopping cuts the body at its last complete line; the rest is not read.
    const halt = () => {
      req.pause();
      finish(true);
    };
    inFlight.add(halt);
    req.on('data', onData);
    req.once('end', () => finish(false));
    // An aborted or timed-out request: its unfinished last line is not a line.
    req.once('close', () => finish(true));
  }

  return {
    start() {
      return new Promise<AddressInfo | undefined>((resolve) => {
        server.on('error', (err: Error) => {
          // Before it listens (a port in use) the command fails; afterwards an error of the server
          // (too many open files on accept, say) is reported, and the listener goes on.
          if (serverOpen) {
            ctx.log(`HTTP listener: ${err.message}`);
            return;
          }
          ctx.fail(err, 'HTTP listener');
          resolveDone();
          resolve(undefined);
        });
        server.listen(options.port, options.host, () => {
          if (stopping) {
            // Stopped while binding: close at once instead of serving after the stop.
            server.close(() => resolveDone());
            resolve(undefined);
            return;
          }
          serverOpen = true;
          const address = server.address() as AddressInfo;
          ctx.log(`accepting NDJSON on http://${options.host}:${address.port}/ (POST)`);
          resolve(address);
        });
      });
    },
    stop() {
      if (stopping) return;
      stopping = true;
      for (const halt of [...inFlight]) halt();
      if (!serverOpen) return;
      serverOpen = false;
      // Connections still open after the grace period (a client that never finished its headers,
      // a stalled body) are closed: no client keeps the command from exiting.
      const grace = setTimeout(() => server.closeAllConnections(), stopGraceMs);
      grace.unref();
      server.close(() => {
        clearTimeout(grace);
        resolveDone();
      });
      server.closeIdleConnections();
    },
    done,
    counts: () => ({ requests }),
  };
}
