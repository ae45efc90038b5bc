import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { sum } from '../../src/aggregators/builtins.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';
import { MSinkInflux } from '../../src/sinks/MSinkInflux.js';
import { runExitFixture } from '../helpers/exitFixture.js';
import {
  endSink,
  type SinkCase,
  scenarioCoordinator,
  scenarioDownAtStart,
  scenarioRestart,
  scenarioSlow,
  startVm,
  TAG_SETS,
} from '../helpers/tsdbScenarios.js';
import { freePort, vmSkipReason } from '../helpers/victoriaMetrics.js';

const skip = vmSkipReason();

const influx: SinkCase = {
  make: (ports, options) => new MSinkInflux({ url: `http://127.0.0.1:${ports.http}`, ...options }),
  port: (ports) => ports.http,
  makeAt: (port, options) => new MSinkInflux({ url: `http://127.0.0.1:${port}`, ...options }),
  // VictoriaMetrics stores a point as <measurement>_<field>; Influx escaping loses nothing.
  metric: {
    'http requests.sum': 'http requests.sum_value',
    'http requests.count': 'http requests.count_value',
    'latency,ms.mean': 'latency,ms.mean_value',
    'latency,ms.max': 'latency,ms.max_value',
    'temp=room.last': 'temp=room.last_value',
  },
  labels: [TAG_SETS[0] as Record<string, string>, TAG_SETS[1] as Record<string, string>],
  resolutionMs: 1,
  acknowledged: true,
};

/** A local server that records each request and answers 204. */
async function recorder(
  t: Tap,
): Promise<{ url: string; requests: Array<{ url: string; body: string; headers: http.IncomingHttpHeaders }> }> {
  const requests: Array<{ url: string; body: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
type Tap = { teardown(fn: () => unknown): void };

t.test('MSinkInflux: invalid options throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  const bad: unknown[] = [
    undefined,
    {},
    { url: 'not a url' },
    { url: 'ftp://127.0.0.1/' },
    { url: 'http://127.0.0.1:8086', db: '' },
    { url: 'http://127.0.0.1:8086', retentionPolicy: 5 },
    { url: 'http://127.0.0.1:8086', field: '' },
    { url: 'http://127.0.0.1:8086', headers: { a: 1 } },
    { url: 'http://127.0.0.1:8086', batchSize: 0 },
    { url: 'http://127.0.0.1:8086', maxInFlight: 1.5 },
    { url: 'http://127.0.0.1:8086', timeoutMs: -1 },
    { url: 'http://127.0.0.1:8086', flushIntervalMs: Number.NaN },
    { url: 'http://127.0.0.1:8086', onRejected: 'ignore' },
    { url: 'http://127.0.0.1:8086', retry: { maxRetries: -1 } },
    { url: 'http://127.0.0.1:8086', highWaterMark: -1 },
  ];
  for (const options of bad) {
    t.throws(() => new MSinkInflux(options as never), { code: ErrorCode.INVALID_ARGUMENT }, JSON.stringify(options));
  }
});

t.test('MSinkInflux: posts escaped lines to <url>/write with precision=ms, db, rp and headers', async (t) => {
  const srv = await recorder(t);
  const sink = new MSinkInflux({
    url: `${srv.url}/influx/`,
    db: 'my db',
    retentionPolicy: 'rp1',
    field: 'v al',
    headers: { authorization: 'Token abc' },
    batchSize: 2,
  });
  t.equal(sink.timeResolutionMs, 1, 'milliseconds');
  sink.write(new MElement('cpu load', 1.5, { tags: { 'host name': 'a,b=c' }, time: 1_700_000_000_123.9 }));
  sink.write(new MElement('m', 2, { time: 1_700_000_000_124 }));
  sink.write(new MElement('m', 3, { time: 1_700_000_000_125 }));
  await endSink(sink);
  t.equal(srv.requests.length, 2, 'two batches: one full, one at the end');
  const first = srv.requests[0];
  t.equal(first?.url, '/influx/write?precision=ms&db=my+db&rp=rp1');
  t.equal(first?.headers.authorization, 'Token abc');
  t.equal(first?.body, 'cpu\\ load,host\\ name=a\\,b\\=c v\\ al=1.5 1700000000123\nm v\\ al=2 1700000000124\n');
  t.equal(srv.requests[1]?.body, 'm v\\ al=3 1700000000125\n');
  t.equal(sink.sentCount, 3);
});

t.test('MSinkInflux: a URL already ending in /write is used as it is', async (t) => {
  const srv = await recorder(t);
  const sink = new MSinkInflux({ url: `${srv.url}/write?u=me` });
  sink.write(new MElement('m', 1, { time: 1 }));
  await endSink(sink);
  t.equal(srv.requests[0]?.url, '/write?u=me&precision=ms');
});

t.test('MSinkInflux: end() with nothing written sends nothing and finishes', async (t) => {
  const srv = await recorder(t);
  const sink = new MSinkInflux({ url: srv.url });
  await endSink(sink);
  t.equal(srv.requests.length, 0);
});

t.test(
  'MSinkInflux: the backend down for good fails with ERR_METRIX_BACKEND_UNAVAILABLE after maxRetries',
  async (t) => {
    const sink = new MSinkInflux({
      url: `http://127.0.0.1:${await freePort()}`,
      retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetries: 3 },
    });
    const retries: number[] = [];
    sink.on('retry', (_e: Error, n: number) => retries.push(n));
    sink.write(new MElement('m', 1, { time: 1 }));
    sink.end();
    const [err] = (await once(sink, 'error')) as [Error & { code?: string; cause?: { code?: string } }];
    t.equal(err.code, ErrorCode.BACKEND_UNAVAILABLE);
    t.equal(err.cause?.code, 'ECONNREFUSED');
    t.match(err.message, /gave up on a batch of 1 after 3 retries/);
    t.same(retries, [1, 2, 3]);
  },
);

t.test(
  'MSinkInflux: a 4xx from VictoriaMetrics is ERR_METRIX_BACKEND_REJECTED with its message, never retried',
  { skip },
  async (t) => {
    const vm = await startVm(t);
    const sink = new MSinkInflux({ url: `${vm.url}/nope`, retry: { initialDelayMs: 1 } });
    sink.write(new MElement('m', 1, { time: 1_700_000_000_000 }));
    sink.end();
    const [err] = (await once(sink, 'error')) as [Error & { code?: string }];
    t.equal(err.code, ErrorCode.BACKEND_REJECTED);
    t.match(err.message, /answered 400 .*unsupported path requested: "\/nope\/write"/);
    t.equal(sink.retryCount, 0, 'a rejection is not retried');
  },
);

t.test(
  'MSinkInflux: through an MCoordinator, a rejection reaches close() as ERR_METRIX_SINK_FAILED',
  { skip },
  async (t) => {
    const vm = await startVm(t);
    const sink = new MSinkInflux({ url: `${vm.url}/nope` });
    const mc = new MCoordinator({ mstreams: [new MStream('m', { agg: sum, batchSize: 1 })], msinks: [sink] });
    mc.on('sinkError', () => {});
    mc.send('m', 1);
    const err = (await mc.close().catch((e: unknown) => e)) as Error & { code?: string; cause?: { code?: string } };
    t.equal(err.code, ErrorCode.SINK_FAILED);
    t.equal(err.cause?.code, ErrorCode.BACKEND_REJECTED);
  },
);

t.test("MSinkInflux: onRejected 'drop' drops the rejected batch and goes on", { skip }, async (t) => {
  const vm = await startVm(t);
  const sink = new MSinkInflux({ url: `${vm.url}/nope`, onRejected: 'drop', batchSize: 2 });
  const rejected: number[] = [];
  sink.on('rejected', (err: { code: string }, n: number) => {
    t.equal(err.code, ErrorCode.BACKEND_REJECTED);
    rejected.push(n);
  });
  for (let i = 0; i < 5; i++) sink.write(new MElement('m', i, { time: 1_700_000_000_000 + i }));
  await endSink(sink);
  t.same(rejected, [2, 2, 1]);
  t.equal(sink.rejectedCount, 5);
  t.equal(sink.sentCount, 0);
});

t.test('MSinkInflux: several streams through an MCoordinator arrive exactly once in VictoriaMetrics', { skip }, (t) =>
  scenarioCoordinator(t, influx),
);

t.test('MSinkInflux: the backend down at start and up later: everything arrives once', { skip }, (t) =>
  scenarioDownAtStart(t, influx),
);

t.test(
  'MSinkInflux: the backend stopped and restarted mid-stream: nothing lost, at most the batch in flight doubled',
  { skip },
  (t) => scenarioRestart(t, influx),
);

t.test('MSinkInflux: a slow backend: backpressure, bounded in-flight, everything once', { skip }, (t) =>
  scenarioSlow(t, influx),
);

t.test('MSinkInflux: a program that ends its sink exits on its own, with nothing left open', { skip }, async (t) => {
  const vm = await startVm(t);
  const r = await runExitFixture(['influx', vm.url]);
  t.equal(r.code, 0, r.stderr);
  t.ok(r.lingerMs < 3000, `exited ${r.lingerMs} ms after its last output`);
  t.match(r.stdout, /sent 50/);
});

t.test('MSinkInflux: a program whose backend is down exits once the retries run out', async (t) => {
  const r = await runExitFixture(['influx', `http://127.0.0.1:${await freePort()}`]);
  t.equal(r.code, 0, r.stderr);
  t.ok(r.lingerMs < 3000, `exited ${r.lingerMs} ms after its last output`);
  t.match(r.stdout, /error ERR_METRIX_BACKEND_UNAVAILABLE/);
});
