import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { ErrorCode } from '../../../src/MetrixError.js';
import { type HttpTarget, httpAgent, httpPost } from '../../../src/sinks/transport/httpPost.js';
import { freePort } from '../../helpers/victoriaMetrics.js';

/** What the helpers need of a test. */
type Teardown = { teardown(fn: () => unknown): void };

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local server answering each request with `answer(received)`; records requests and connections. */
async function server(
  t: Teardown,
  answer: (r: Received, res: http.ServerResponse) => void,
): Promise<{ url: URL; received: Received[]; connections: () => number }> {
  const received: Received[] = [];
  let connections = 0;
  const s = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const r = { method: req.method, url: req.url, headers: req.headers, body };
      received.push(r);
      answer(r, res);
    });
  });
  s.on('connection', () => connections++);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  );
  const { port } = s.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/write?x=1`), received, connections: () => connections };
}

function target(t: Teardown, url: URL, extra: Partial<HttpTarget> = {}): HttpTarget {
  const agent = httpAgent(url, 1);
  t.teardown(() => agent.destroy());
  return { url, headers: { authorization: 'Token abc' }, agent, timeoutMs: 5000, what: 'MSinkX(test)', ...extra };
}

const signal = () => new AbortController().signal;

t.test('httpPost: a 2xx answer resolves; method, path, body and headers are sent', async (t) => {
  const srv = await server(t, (_r, res) => res.writeHead(204).end());
  const tgt = target(t, srv.url);
  await httpPost(tgt, 'a b 1\n', 'text/plain; charset=utf-8', signal());
  await httpPost(tgt, 'c d 2\n', 'text/plain; charset=utf-8', signal());
  t.equal(srv.received.length, 2);
  const r = srv.received[0] as Received;
  t.equal(r.method, 'POST');
  t.equal(r.url, '/write?x=1');
  t.equal(r.body, 'a b 1\n');
  t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  t.equal(r.headers['content-length'], '6');
  t.equal(r.headers.authorization, 'Token abc');
  t.equal(srv.connections(), 1, 'the keep-alive agent reuses its connection');
});

t.test('httpPost: a 4xx is ERR_METRIX_BACKEND_REJECTED quoting status and answer', async (t) => {
  const srv = await server(t, (_r, res) => res.writeHead(400, 'Bad Request').end('{"error":"unable to parse line 3"}'));
  await t.rejects(httpPost(target(t, srv.url), 'x', 'text/plain', signal()), {
    code: ErrorCode.BACKEND_REJECTED,
    message: 'MSinkX(test): the backend answered 400 Bad Request: {"error":"unable to parse line 3"}',
  });
});

t.test('httpPost: a 3xx is a rejection too (redirects are not followed)', async (t) => {
  const srv = await server(t, (_r, res) => res.writeHead(301, { location: '/elsewhere' }).end());
  await t.rejects(httpPost(target(t, srv.url), 'x', 'text/plain', signal()), { code: ErrorCode.BACKEND_REJECTED });
});

t.test('httpPost: a long answer is cut in the message', async (t) => {
  const srv = await server(t, (_r, res) => res.writeHead(413).end('x'.repeat(100_000)));
  const err = await httpPost(target(t, srv.url), 'x', 'text/plain', signal()).catch((e: Error) => e);
  t.equal((err as { code?: string }).code, ErrorCode.BACKEND_REJECTED);
  t.ok((err as Error).message.length < 20_000, 'message length bounded');
  t.match((err as Error).message, /x…$/);
});

t.test('httpPost: 5xx, 429 and 408 are ERR_METRIX_BACKEND_UNAVAILABLE (retried)', async (t) => {
  for (const status of [500, 503, 429, 408]) {
    const srv = await server(t, (_r, res) => res.writeHead(status).end('busy'));
    await t.rejects(
      httpPost(target(t, srv.url), 'x', 'text/plain', signal()),
      { code: ErrorCode.BACKEND_UNAVAILABLE, message: new RegExp(`answered ${status} .*: busy`) },
      String(status),
    );
  }
});

t.test('httpPost: a refused connection rejects with the system error', async (t) => {
  const url = new URL(`http://127.0.0.1:${await freePort()}/write`);
  await t.rejects(httpPost(target(t, url), 'x', 'text/plain', signal()), { code: 'ECONNREFUSED' });
});

t.test('httpPost: no answer within timeoutMs is ERR_METRIX_BACKEND_UNAVAILABLE', async (t) => {
  const srv = await server(t, () => {
    // never answers
  });
  await t.rejects(httpPost(target(t, srv.url, { timeoutMs: 100 }), 'x', 'text/plain', signal()), {
    code: ErrorCode.BACKEND_UNAVAILABLE,
    message: /no answer within 100 ms/,
  });
});

t.test('httpPost: aborting the signal ends the request at once', async (t) => {
  const srv = await server(t, () => {});
  const ac = new AbortController();
  const p = httpPost(target(t, srv.url), 'x', 'text/plain', ac.signal);
  setTimeout(() => ac.abort(), 20);
  await t.rejects(p, { name: 'AbortError' });
});
