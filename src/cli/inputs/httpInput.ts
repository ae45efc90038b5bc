import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetrixError } from '../../MetrixError.js';
import type { CliInput, InputContext } from './CliInput.js';

/** Options of {@link httpInput}. */
export interface HttpInputOptions {
  /** TCP port (0: any free one). */
  port: number;
  /** Address to bind to. */
  host: string;
}

/** Messages about bad lines returned in one response before only their count is kept. */
const MAX_ERRORS = 10;

/**
 * An HTTP listener for NDJSON: `POST /` or `/ingest` bodies are parsed line by line (bad lines
 * skipped, counted and named in the answer `{"accepted","malformed","errors"}`, status 400 when
 * any was bad, 200 otherwise); `GET /health` answers `ok`. A request body is paused, not dropped,
 * while the pipeline is behind. After `stop()` new requests get 503, bodies in flight are cut at
 * their last complete line, and `done` resolves once the server has closed.
 *
 * Counts: `requests` answered or in flight on the ingest path.
 */
export function httpInput(ctx: InputContext, options: HttpInputOptions): CliInput {
  let stopping = false;
  let serverOpen = false;
  let requests = 0;
  const inFlight = new Set<() => void>();
  const pending = new Set<Promise<void>>();
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const server = createServer((req, res) => handle(req, res));

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
    const parser = ctx.makeParser('ndjson', 'skip');
    let accepted = 0;
    const errors: string[] = [];
    parser.on('data', () => accepted++);
    parser.on('malformed', (err: MetrixError) => {
      ctx.malformed('http', err);
      if (errors.length < MAX_ERRORS) errors.push(err.message);
    });
    parser.on('error', (err: Error) => ctx.fail(err, 'http'));
    const halt = () => {
      req.unpipe(parser as never);
      parser.stop();
    };
    inFlight.add(halt);
    const finished = new Promise<void>((resolve) => {
      parser.once('close', () => {
        inFlight.delete(halt);
        const malformed = parser.malformedCount;
        // 400 when any line was bad — the valid lines were still accepted, as the body says.
        res.writeHead(malformed > 0 ? 400 : 200, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify({ accepted, malformed, errors })}\n`);
        resolve();
      });
    });
    pending.add(finished);
    finished.then(() => pending.delete(finished));
    req.on('aborted', () => parser.stop());
    parser.pipe(ctx.target as never, { end: false });
    req.pipe(parser as never);
  }

  const done = (async () => {
    await closed;
    // Requests still being parsed when the server closed hand on their lines first.
    await Promise.all([...pending]);
  })();

  return {
    start() {
      return new Promise<AddressInfo | undefined>((resolve) => {
        server.once('error', (err: Error) => {
          ctx.fail(err, 'HTTP listener');
          serverOpen = false;
          resolveClosed();
          resolve(undefined);
        });
        server.listen(options.port, options.host, () => {
          if (stopping) {
            // Stopped while binding: close at once instead of serving after the stop.
            server.close(() => resolveClosed());
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
      if (!serverOpen) {
        resolveClosed();
        return;
      }
      serverOpen = false;
      server.close(() => resolveClosed());
      server.closeIdleConnections();
    },
    done,
    counts: () => ({ requests }),
  };
}
