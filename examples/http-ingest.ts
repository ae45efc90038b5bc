// An HTTP server that ingests metrics: clients POST newline-delimited JSON to /ingest, each body is
// piped through parseNDJSON into one MCoordinator, and the aggregates are served to a Prometheus
// scraper on GET /metrics (MSinkPrometheus mounted on the same server) and printed.
// Run: npx tsx examples/http-ingest.ts — it starts the server on a free port of 127.0.0.1, posts
// a few bodies to itself as clients would, prints the answers and /metrics, and stops.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { count, MCoordinator, MSinkPrinter, MSinkPrometheus, MStream, max, mean, parseNDJSON } from '../src/index.js';

/** A running ingest server: see {@link startIngestServer}. */
export interface IngestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  coordinator: MCoordinator;
  prometheus: MSinkPrometheus;
  /** Stops accepting, flushes every open window into the sinks, and closes the server. */
  close(): Promise<void>;
}

/**
 * Starts the server: `POST /ingest` (NDJSON lines `{ name, value, tags?, time? }`) answers
 * `{ accepted, malformed, errors }` — 200, or 400 when a line was bad (the good lines are kept);
 * `GET /metrics` answers the latest aggregates in Prometheus' text format.
 */
export async function startIngestServer(options: { port?: number; windowSize?: number; print?: boolean } = {}) {
  const { port = 0, windowSize = 1, print = true } = options;
  const prometheus = new MSinkPrometheus();
  const coordinator = new MCoordinator({
    mstreams: [
      new MStream('requests', { agg: count, windowSize }),
      new MStream('latency_ms', { agg: [mean, max], windowSize }),
    ],
    msinks: print ? [prometheus, new MSinkPrinter()] : [prometheus],
    // A client sending a metric nobody configured should not bring the server down.
    onUnknown: 'drop',
  });

  const ingest = (req: IncomingMessage, res: ServerResponse) => {
    const parser = parseNDJSON({ onMalformed: 'skip', maxLineLength: 64 * 1024 });
    let accepted = 0;
    const errors: string[] = [];
    parser.on('data', () => accepted++);
    parser.on('malformed', (err: Error) => errors.push(err.message));
    // end: false — the coordinator outlives every request; backpressure still flows through pipe().
    parser.pipe(coordinator, { end: false });
    parser.on('end', () => {
      res.writeHead(errors.length > 0 ? 400 : 200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ accepted, malformed: errors.length, errors })}\n`);
    });
    req.pipe(parser);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/ingest' && req.method === 'POST') return ingest(req, res);
    if (path === '/metrics') return prometheus.handler(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /ingest or GET /metrics\n');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const close = async () => {
    // Stop taking requests first, then flush: every value accepted so far reaches the sinks.
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await stopped;
    await coordinator.close();
  };
  return { url, coordinator, prometheus, close } satisfies IngestServer;
}

async function demo(): Promise<void> {
  const server = await startIngestServer({ windowSize: 1 });
  console.log(`listening on ${server.url}`);
  const bodies = [
    [
      { name: 'requests', value: 1, tags: { route: '/home' } },
      { name: 'latency_ms', value: 12, tags: { route: '/home' } },
    ],
    [
      { name: 'requests', value: 1, tags: { route: '/home' } },
      { name: 'latency_ms', value: 30, tags: { route: '/home' } },
      { name: 'requests', value: 1, tags: { route: '/api' } },
      { name: 'latency_ms', value: 85, tags: { route: '/api' } },
    ],
  ];
  for (const body of bodies) {
    const res = await fetch(`${server.url}/ingest`, {
      method: 'POST',
      body: body.map((line) => JSON.stringify(line)).join('\n'),
    });
    console.log(`POST /ingest → ${res.status} ${(await res.text()).trim()}`);
  }
  const bad = await fetch(`${server.url}/ingest`, {
    method: 'POST',
    body: '{"name":"requests","value":1}\nnot json\n',
  });
  console.log(`POST /ingest → ${bad.status} ${(await bad.text()).trim()}`);

  // The 1-second window closes on its own; a scraper polling /metrics then sees the aggregates.
  let metrics = '';
  const deadline = Date.now() + 5000;
  while (!metrics.includes('latency_milliseconds_max') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    metrics = await (await fetch(`${server.url}/metrics`)).text();
  }
  console.log(`GET /metrics →\n${metrics}`);
  await server.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await demo();
