import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { sum } from '../../src/aggregators/builtins.js';
import { keyFromTags } from '../../src/key.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';
import { MSinkPrometheus } from '../../src/sinks/MSinkPrometheus.js';
import { installClock } from '../helpers/clock.js';
import { runExitFixture } from '../helpers/exitFixture.js';
import { MSinkRecorder, STREAMS, startVm, T0, TAG_SETS } from '../helpers/tsdbScenarios.js';
import { until } from '../helpers/until.js';
import { vmSkipReason } from '../helpers/victoriaMetrics.js';

const skip = vmSkipReason();

const el = (name: string, value: number, tags: Record<string, string>, time: number) =>
  new MElement(name, value, { tags, time });

async function get(url: string, method = 'GET'): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url, { method });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

/** Writes elements and waits until the sink has handled them. */
async function feed(sink: MSinkPrometheus, elements: MElement[]): Promise<void> {
  for (const e of elements) sink.write(e);
  await new Promise<void>((resolve) => {
    const check = () => (sink.writableLength === 0 ? resolve() : setImmediate(check));
    check();
  });
}

t.test('MSinkPrometheus: invalid options throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  const bad = [
    null,
    { port: -1 },
    { port: 1.5 },
    { host: '' },
    { path: 'metrics' },
    { expireAfterMs: 0 },
    { expireAfterMs: Number.NaN },
    { timestamps: 'yes' },
    { scrapeIntervalMs: 0 },
    { highWaterMark: -1 },
  ];
  for (const options of bad) {
    t.throws(
      () => new MSinkPrometheus(options as never),
      { code: ErrorCode.INVALID_ARGUMENT },
      JSON.stringify(options),
    );
  }
});

t.test('MSinkPrometheus: the exposition: gauges, sanitised names and labels, escaped values, timestamps', async (t) => {
  const sink = new MSinkPrometheus();
  await feed(sink, [
    el('latency.p99', 12.5, { 'route name': '/a "b"\\c\nd', region: 'eu' }, 1_700_000_000_123.9),
    el('latency.p99', 3, {}, 1_700_000_000_000),
    el('9 lives', 1, { __name__: 'x', '': 'dropped', e: '' }, 1_700_000_000_000),
  ]);
  t.equal(
    sink.exposition(),
    [
      '# TYPE _9_lives gauge',
      '_9_lives{_name__="x"} 1 1700000000000',
      '# TYPE latency_p99 gauge',
      'latency_p99 3 1700000000000',
      'latency_p99{region="eu",route_name="/a \\"b\\"\\\\c\\nd"} 12.5 1700000000123',
      '',
    ].join('\n'),
  );
  t.equal(sink.seriesCount, 3);
  t.equal(new MSinkPrometheus().exposition(), '', 'empty before any element');
});

t.test('MSinkPrometheus: each series keeps the value with the latest time; a late older one is ignored', async (t) => {
  const sink = new MSinkPrometheus();
  await feed(sink, [el('m', 1, { a: 'x' }, 2000), el('m', 2, { a: 'x' }, 3000), el('m', 9, { a: 'x' }, 1000)]);
  t.equal(sink.exposition(), '# TYPE m gauge\nm{a="x"} 2 3000\n');
  await feed(sink, [el('m', 4, { a: 'x' }, 3000)]);
  t.equal(sink.exposition(), '# TYPE m gauge\nm{a="x"} 4 3000\n', 'the same time: the later write wins');
});

t.test('MSinkPrometheus: timestamps: false leaves them out', async (t) => {
  const sink = new MSinkPrometheus({ timestamps: false });
  await feed(sink, [el('m', 1, {}, 5000)]);
  t.equal(sink.exposition(), '# TYPE m gauge\nm 1\n');
});

t.test('MSinkPrometheus: a series that stops reporting expires after expireAfterMs', async (t) => {
  const clock = installClock(t);
  const sink = new MSinkPrometheus({ expireAfterMs: 60_000 });
  await feed(sink, [el('a', 1, {}, 1), el('b', 1, {}, 1)]);
  await clock.tickAsync(30_000);
  await feed(sink, [el('b', 2, {}, 2)]);
  await clock.tickAsync(30_001);
  t.equal(sink.exposition(), '# TYPE b gauge\nb 2 2\n', 'a expired, b was refreshed');
  t.equal(sink.seriesCount, 1);
  await clock.tickAsync(60_001);
  t.equal(sink.exposition(), '');
  t.equal(sink.seriesCount, 0);
  t.equal(clock.countTimers(), 0, 'expiry needs no timer');
});

t.test('MSinkPrometheus: expired series are swept on the write path too, without scrapes', async (t) => {
  const clock = installClock(t);
  const sink = new MSinkPrometheus({ expireAfterMs: 1000 });
  await feed(sink, [el('a', 1, {}, 1)]);
  await clock.tickAsync(1001);
  await feed(sink, [el('b', 1, {}, 1)]);
  t.equal(sink.seriesCount, 1);
});

t.test('MSinkPrometheus: its own server answers GET and HEAD on path, 404 elsewhere, 405 otherwise', async (t) => {
  const sink = new MSinkPrometheus({ port: 0, path: '/m' });
  const { url, host, port } = await sink.ready();
  t.equal(host, '127.0.0.1');
  t.equal(url, `http://127.0.0.1:${port}/m`);
  await feed(sink, [el('up.ish', 1, { job: 'x' }, 1_700_000_000_000)]);
  const ok = await get(url);
  t.equal(ok.status, 200);
  t.equal(ok.type, 'text/plain; version=0.0.4; charset=utf-8');
  t.equal(ok.body, '# TYPE up_ish gauge\nup_ish{job="x"} 1 1700000000000\n');
  t.equal((await get(`${url}?x=1`)).status, 200, 'a query string is fine');
  t.same(await get(url, 'HEAD'), { status: 200, type: ok.type, body: '' });
  t.equal((await get(url, 'POST')).status, 405);
  t.equal((await get(`http://127.0.0.1:${port}/other`)).status, 404);
  const finished = once(sink, 'close');
  sink.end();
  await finished;
  await t.rejects(fetch(url), 'the server is closed after end()');
});

t.test('MSinkPrometheus: handler mounts on an existing http.Server route', async (t) => {
  const sink = new MSinkPrometheus();
  await feed(sink, [el('m', 7, {}, 1000)]);
  const server = http.createServer((req, res) => {
    if (req.url === '/internal/metrics') return sink.handler(req, res);
    res.end('app');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.equal((await get(`${base}/internal/metrics`)).body, '# TYPE m gauge\nm 7 1000\n');
  t.equal((await get(`${base}/`)).body, 'app');
  await t.rejects(sink.ready(), { code: ErrorCode.INVALID_ARGUMENT }, 'no server of its own');
});

t.test('MSinkPrometheus: a port in use fails the sink and ready()', async (t) => {
  const first = new MSinkPrometheus({ port: 0 });
  const { port } = await first.ready();
  t.teardown(() => first.destroy());
  const second = new MSinkPrometheus({ port });
  const failed = once(second, 'error');
  await t.rejects(second.ready(), { code: 'EADDRINUSE' });
  const [err] = (await failed) as [Error & { code?: string }];
  t.equal(err.code, 'EADDRINUSE');
});

t.test('MSinkPrometheus: end() before the server listens still closes it', async (t) => {
  const sink = new MSinkPrometheus({ port: 0 });
  const closed = once(sink, 'close');
  sink.end();
  await closed;
  const { url } = await sink.ready();
  await t.rejects(fetch(url), 'nothing listens any more');
});

t.test('MSinkPrometheus: timeResolutionMs is 1, or the scrape interval when given (a coordinator warns)', async (t) => {
  t.equal(new MSinkPrometheus().timeResolutionMs, 1);
  const sink = new MSinkPrometheus({ scrapeIntervalMs: 15_000 });
  t.equal(sink.timeResolutionMs, 15_000);
  const warnings: Array<Error & { code?: string }> = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(w);
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const mc = new MCoordinator({
    mstreams: [new MStream('m', { agg: sum, windowSize: 10 }), new MStream('n', { agg: sum, windowSize: 15 })],
    msinks: [sink],
  });
  await mc.close();
  await new Promise((r) => setImmediate(r));
  const ours = warnings.filter((w) => w.code === MCoordinator.WINDOW_BELOW_RESOLUTION);
  t.equal(ours.length, 1);
  t.match(ours[0]?.message, /"m" has windowSize 10 s, shorter than the 15000 ms/);
});

t.test(
  'MSinkPrometheus: a program that ends its sink exits on its own, even with a scraper connection open',
  async (t) => {
    const r = await runExitFixture(['prometheus']);
    t.equal(r.code, 0, r.stderr);
    t.ok(r.lingerMs < 3000, `exited ${r.lingerMs} ms after its last output`);
    t.match(r.stdout, /served 5/);
  },
);

// ------------------------------------------------------------------ a real scraper

const PROM_NAMES: Record<string, string> = {
  'http requests.sum': 'http_requests_sum',
  'http requests.count': 'http_requests_count',
  'latency,ms.mean': 'latency_ms_mean',
  'latency,ms.max': 'latency_ms_max',
  'temp=room.last': 'temp_room_last',
};
const PROM_LABELS: Array<Record<string, string>> = [
  { dc: 'eu', host: 'web-1' },
  // Label names are sanitised (ü → _), label values kept whole: the exposition escapes them.
  { host_name: 'web 2,eu=west', path: 'C:\\temp\\', quote: 'say "hi"', _: 'ñ;~x' },
];

t.test(
  'MSinkPrometheus: VictoriaMetrics scrapes several streams and stores each series latest value',
  { skip },
  async (t) => {
    const sink = new MSinkPrometheus({ port: 0 });
    const { port } = await sink.ready();
    const vm = await startVm(t, {
      promscrapeConfig: [
        'scrape_configs:',
        '  - job_name: msink',
        '    scrape_interval: 200ms',
        '    honor_timestamps: true',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${port}']`,
        '',
      ].join('\n'),
    });
    const recorder = new MSinkRecorder();
    const mc = new MCoordinator({
      mstreams: STREAMS.map((s) => new MStream(s.name, { agg: s.agg, batchSize: s.batchSize })),
      msinks: [sink, recorder],
    });
    const perStream = 600; // a multiple of every batch size: every window is complete without close()
    for (let i = 0; i < perStream; i++) {
      for (const s of STREAMS) {
        const input = {
          name: s.name,
          value: ((i * 7) % 23) * 0.5 + 1,
          tags: TAG_SETS[i % 2],
          time: T0 + i * 1000 + 123,
        };
        if (!mc.write(input)) await once(mc, 'drain');
      }
    }
    const total = 150 * 2 * 2 + 200 * 2 * 2 + 300 * 2;
    await until(() => recorder.received.length === total && sink.writableLength === 0, 'every window delivered');
    t.equal(recorder.received.length, total, 'hundreds of windows went through the sink');

    // What a scraper must see: for every series, the value with the latest time.
    const labelsKey = (labels: Record<string, string>) =>
      JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const tagIndex = new Map(TAG_SETS.map((tags, i) => [keyFromTags(tags), i]));
    const latest = new Map<string, MElement>();
    for (const e of recorder.received) {
      const key = `${PROM_NAMES[e.name]} ${labelsKey(PROM_LABELS[tagIndex.get(e.key) as number] as Record<string, string>)}`;
      const seen = latest.get(key);
      if (seen === undefined || e.time >= seen.time) latest.set(key, e);
    }
    t.equal(latest.size, 5 * 2, 'five names × two tag sets');

    // Scrapes come every 200 ms: read back until the stored latest samples match, or give up.
    let mismatches = ['nothing scraped yet'];
    let unexpected: string[] = [];
    for (const deadline = Date.now() + 20_000; mismatches.length > 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      const series = await vm.export(`{instance="127.0.0.1:${port}"}`, T0 - 86_400_000, Date.now() + 86_400_000);
      const stored = new Map<string, { value: number; time: number }>();
      for (const s of series) {
        const { __name__: name, job, instance, ...labels } = s.metric;
        if (job !== 'msink' || /^(up|scrape_.*)$/.test(name as string)) continue; // the scraper's own series
        const i = s.timestamps.length - 1;
        stored.set(`${name} ${labelsKey(labels)}`, { value: s.values[i] as number, time: s.timestamps[i] as number });
      }
      unexpected = [...stored.keys()].filter((k) => !latest.has(k));
      mismatches = [...latest].flatMap(([key, e]) => {
        const got = stored.get(key);
        const ok =
          got !== undefined &&
          got.time === Math.floor(e.time) &&
          Math.abs(got.value - e.value) <= 1e-9 * Math.abs(e.value);
        return ok ? [] : [`${key}: want ${e.value}@${Math.floor(e.time)} got ${got?.value}@${got?.time}`];
      });
    }
    t.same(mismatches, [], 'every series scraped with its latest value and timestamp');
    t.same(unexpected, [], 'no other series');
    await mc.close();
  },
);
