import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MSinkOpenTSDB } from '../../src/sinks/MSinkOpenTSDB.js';
import { runExitFixture } from '../helpers/exitFixture.js';
import {
  endSink,
  type SinkCase,
  scenarioCoordinator,
  scenarioDownAtStart,
  scenarioRestart,
  scenarioSlow,
  startVm,
} from '../helpers/tsdbScenarios.js';
import { freePort, vmSkipReason } from '../helpers/victoriaMetrics.js';

const skip = vmSkipReason();

// OpenTSDB keeps ASCII letters and digits, -_./ and Unicode letters; everything else becomes _.
const metric = {
  'http requests.sum': 'http_requests.sum',
  'http requests.count': 'http_requests.count',
  'latency,ms.mean': 'latency_ms.mean',
  'latency,ms.max': 'latency_ms.max',
  'temp=room.last': 'temp_room.last',
} as const;
const labels: Array<Record<string, string>> = [
  { dc: 'eu', host: 'web-1' },
  { host_name: 'web_2_eu_west', path: 'C__temp_', quote: 'say__hi_', ü: 'ñ__x' },
];

const openTsdbHttp: SinkCase = {
  make: (ports, options) => new MSinkOpenTSDB({ url: `http://127.0.0.1:${ports.opentsdbHttp}`, ...options }),
  port: (ports) => ports.opentsdbHttp,
  makeAt: (port, options) => new MSinkOpenTSDB({ url: `http://127.0.0.1:${port}`, ...options }),
  metric,
  labels,
  resolutionMs: 1,
  acknowledged: true,
};

const openTsdbTelnet: SinkCase = {
  make: (ports, options) => new MSinkOpenTSDB({ url: `telnet://127.0.0.1:${ports.opentsdb}`, ...options }),
  port: (ports) => ports.opentsdb,
  makeAt: (port, options) => new MSinkOpenTSDB({ url: `telnet://127.0.0.1:${port}`, ...options }),
  metric,
  labels,
  resolutionMs: 1000,
  acknowledged: false,
};

t.test('MSinkOpenTSDB: invalid options throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  const bad = [
    undefined,
    {},
    { url: 42 },
    { url: 'tcp://127.0.0.1:4242' },
    { url: 'http://127.0.0.1:4242', headers: [] },
    { url: 'http://127.0.0.1:4242', batchSize: -5 },
  ];
  for (const options of bad) {
    t.throws(() => new MSinkOpenTSDB(options as never), { code: ErrorCode.INVALID_ARGUMENT }, JSON.stringify(options));
  }
});

t.test('MSinkOpenTSDB: the URL scheme picks the protocol and the time resolution', async (t) => {
  const h = new MSinkOpenTSDB({ url: 'http://127.0.0.1:4242' });
  const tel = new MSinkOpenTSDB({ url: 'telnet://127.0.0.1:4242' });
  t.equal(h.protocol, 'http');
  t.equal(h.timeResolutionMs, 1, 'milliseconds over HTTP');
  t.equal(tel.protocol, 'telnet');
  t.equal(tel.timeResolutionMs, 1000, 'whole seconds over telnet');
  h.destroy();
  tel.destroy();
});

t.test('MSinkOpenTSDB: HTTP posts a JSON array per batch to /api/put under the URL path', async (t) => {
  const requests: Array<{ url: string; type: string | undefined; body: unknown }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', type: req.headers['content-type'], body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const sink = new MSinkOpenTSDB({ url: `${base}/tsdb/`, batchSize: 2 });
  sink.write(new MElement('sys.cpu', 1.5, { tags: { host: 'a b' }, time: 1_700_000_000_123.7 }));
  sink.write(new MElement('sys.cpu', 2, { tags: { host: 'c' }, time: 1_700_000_000_124 }));
  sink.write(new MElement('x', 3, { time: 1_700_000_000_125 }));
  await endSink(sink);
  t.same(requests, [
    {
      url: '/tsdb/api/put',
      type: 'application/json',
      body: [
        { metric: 'sys.cpu', timestamp: 1_700_000_000_123, value: 1.5, tags: { host: 'a_b' } },
        { metric: 'sys.cpu', timestamp: 1_700_000_000_124, value: 2, tags: { host: 'c' } },
      ],
    },
    {
      url: '/tsdb/api/put',
      type: 'application/json',
      body: [{ metric: 'x', timestamp: 1_700_000_000_125, value: 3, tags: {} }],
    },
  ]);
  const exact = new MSinkOpenTSDB({ url: `${base}/api/put?details` });
  exact.write(new MElement('y', 1, { time: 1 }));
  await endSink(exact);
  t.equal(requests[2]?.url, '/api/put?details', 'a URL ending in /api/put is used as it is');
});

t.test('MSinkOpenTSDB: telnet sends put lines over a connection per batch', async (t) => {
  const connections: string[] = [];
  const server = net.createServer((socket) => {
    let text = '';
    socket.on('data', (c: Buffer) => (text += c));
    socket.on('end', () => {
      connections.push(text);
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const sink = new MSinkOpenTSDB({ url: `telnet://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
  sink.write(new MElement('sys.cpu', 1.5, { tags: { host: 'a=b', dc: 'eu' }, time: 1_700_000_000_999 }));
  sink.write(new MElement('sys.mem', 7, { time: 1_700_000_001_000 }));
  await endSink(sink);
  t.same(connections, ['put sys.cpu 1700000000 1.5 dc=eu host=a_b\nput sys.mem 1700000001 7\n']);
});

t.test(
  'MSinkOpenTSDB: a 4xx from VictoriaMetrics is ERR_METRIX_BACKEND_REJECTED with its message, never retried',
  { skip },
  async (t) => {
    const vm = await startVm(t);
    // The main HTTP port has no /api/put: VictoriaMetrics answers 400.
    const sink = new MSinkOpenTSDB({ url: vm.url });
    sink.write(new MElement('m', 1, { tags: { a: 'b' }, time: 1_700_000_000_000 }));
    sink.end();
    const [err] = (await once(sink, 'error')) as [Error & { code?: string }];
    t.equal(err.code, ErrorCode.BACKEND_REJECTED);
    t.match(err.message, /answered 400 .*unsupported path requested: "\/api\/put"/);
    t.equal(sink.retryCount, 0);
  },
);

for (const [mode, sinkCase] of [
  ['HTTP', openTsdbHttp],
  ['telnet', openTsdbTelnet],
] as const) {
  t.test(
    `MSinkOpenTSDB: ${mode}: several streams through an MCoordinator arrive exactly once in VictoriaMetrics`,
    { skip },
    (t) => scenarioCoordinator(t, sinkCase),
  );

  t.test(`MSinkOpenTSDB: ${mode}: the backend down at start and up later: everything arrives once`, { skip }, (t) =>
    scenarioDownAtStart(t, sinkCase),
  );

  t.test(
    `MSinkOpenTSDB: ${mode}: the backend stopped and restarted mid-stream: ${sinkCase.acknowledged ? 'nothing lost, at most the batch in flight doubled' : 'at most the batch in flight doubled or lost'}`,
    { skip },
    (t) => scenarioRestart(t, sinkCase),
  );

  t.test(`MSinkOpenTSDB: ${mode}: a slow backend: backpressure, bounded in-flight, everything once`, { skip }, (t) =>
    scenarioSlow(t, sinkCase),
  );
}

t.test('MSinkOpenTSDB: a program that ends its sink exits on its own, with nothing left open', { skip }, async (t) => {
  const vm = await startVm(t);
  for (const url of [`http://127.0.0.1:${vm.ports.opentsdbHttp}`, `telnet://127.0.0.1:${vm.ports.opentsdb}`]) {
    const r = await runExitFixture(['opentsdb', url]);
    t.equal(r.code, 0, r.stderr);
    t.ok(r.lingerMs < 3000, `exited ${r.lingerMs} ms after its last output`);
    t.match(r.stdout, /sent 50/, url);
  }
});

t.test('MSinkOpenTSDB: a program whose backend is down exits once the retries run out', async (t) => {
  const r = await runExitFixture(['opentsdb', `http://127.0.0.1:${await freePort()}`]);
  t.equal(r.code, 0, r.stderr);
  t.ok(r.lingerMs < 3000, `exited ${r.lingerMs} ms after its last output`);
  t.match(r.stdout, /error ERR_METRIX_BACKEND_UNAVAILABLE/);
});
