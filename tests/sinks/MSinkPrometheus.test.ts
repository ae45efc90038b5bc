import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { count, mean, median, sum } from '../../src/aggregators/builtins.js';
import { percentile } from '../../src/aggregators/percentile.js';
import { keyFromTags } from '../../src/key.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';
import { MSinkPrometheus } from '../../src/sinks/MSinkPrometheus.js';
import { installClock } from '../helpers/clock.js';
import { runExitFixture } from '../helpers/exitFixture.js';
import { promtoolCheck, promtoolSkip } from '../helpers/promtool.js';
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

const HELP_M = '# HELP m metrix-stream aggregate m\n# TYPE m gauge\n';

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
    { cumulative: 1 },
    { summaries: 'yes' },
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
  const sink = new MSinkPrometheus({ timestamps: true });
  await feed(sink, [
    el('latency.p99', 12.5, { 'route name': '/a "b"\\c\nd', region: 'eu' }, 1_700_000_000_123.9),
    el('latency.p99', 3, {}, 1_700_000_000_000),
    el('9 lives', 1, { __name__: 'x', '': 'dropped', e: '' }, 1_700_000_000_000),
  ]);
  t.equal(
    sink.exposition(),
    [
      '# HELP _9_lives metrix-stream aggregate 9 lives',
      '# TYPE _9_lives gauge',
      '_9_lives{_name__="x"} 1 1700000000000',
      '# HELP latency_p99 metrix-stream aggregate latency.p99',
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
  const sink = new MSinkPrometheus({ timestamps: true });
  await feed(sink, [el('m', 1, { a: 'x' }, 2000), el('m', 2, { a: 'x' }, 3000), el('m', 9, { a: 'x' }, 1000)]);
  t.equal(sink.exposition(), `${HELP_M}m{a="x"} 2 3000\n`);
  await feed(sink, [el('m', 4, { a: 'x' }, 3000)]);
  t.equal(sink.exposition(), `${HELP_M}m{a="x"} 4 3000\n`, 'the same time: the later write wins');
});

t.test('MSinkPrometheus: no timestamps by default (Prometheus discourages them)', async (t) => {
  const sink = new MSinkPrometheus();
  await feed(sink, [el('m', 1, {}, 5000)]);
  t.equal(sink.exposition(), `${HELP_M}m 1\n`);
  const explicit = new MSinkPrometheus({ timestamps: false });
  await feed(explicit, [el('m', 1, {}, 5000)]);
  t.equal(explicit.exposition(), `${HELP_M}m 1\n`);
});

t.test('MSinkPrometheus: a series that stops reporting expires after expireAfterMs', async (t) => {
  const clock = installClock(t);
  const sink = new MSinkPrometheus({ expireAfterMs: 60_000, timestamps: true });
  await feed(sink, [el('a', 1, {}, 1), el('b', 1, {}, 1)]);
  await clock.tickAsync(30_000);
  await feed(sink, [el('b', 2, {}, 2)]);
  await clock.tickAsync(30_001);
  t.equal(
    sink.exposition(),
    '# HELP b metrix-stream aggregate b\n# TYPE b gauge\nb 2 2\n',
    'a expired, b was refreshed',
  );
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
  const sink = new MSinkPrometheus({ port: 0, path: '/m', timestamps: true });
  const { url, host, port } = await sink.ready();
  t.equal(host, '127.0.0.1');
  t.equal(url, `http://127.0.0.1:${port}/m`);
  await feed(sink, [el('up.ish', 1, { job: 'x' }, 1_700_000_000_000)]);
  const ok = await get(url);
  t.equal(ok.status, 200);
  t.equal(ok.type, 'text/plain; version=0.0.4; charset=utf-8');
  t.equal(
    ok.body,
    '# HELP up_ish metrix-stream aggregate up.ish\n# TYPE up_ish gauge\nup_ish{job="x"} 1 1700000000000\n',
  );
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
  t.equal((await get(`${base}/internal/metrics`)).body, `${HELP_M}m 7\n`);
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
  'http requests.sum': 'http_requests_sum_per_window',
  'http requests.count': 'http_requests_count_per_window',
  'latency,ms.mean': 'latency_milliseconds_mean',
  'latency,ms.max': 'latency_milliseconds_max',
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
    const sink = new MSinkPrometheus({ port: 0, timestamps: true });
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

// ------------------------------------------------------------------ promtool and counters

t.test('MSinkPrometheus: cumulative: counts and sums become _total counters adding up every window', async (t) => {
  const sink = new MSinkPrometheus({ cumulative: true, timestamps: true });
  await feed(sink, [
    el('requests.count', 3, { route: '/a' }, 1000),
    el('requests.count', 2, { route: '/a' }, 2000),
    el('requests.count', 4, { route: '/a' }, 500), // late: still counted; the time stays the latest
    el('bytes.sum', 10.5, {}, 1000),
    el('bytes.sum', 0, {}, 2000),
    el('requests.mean', 7, { route: '/a' }, 2000),
  ]);
  t.equal(
    sink.exposition(),
    [
      '# HELP bytes_sum_total metrix-stream: the total of bytes.sum over every window',
      '# TYPE bytes_sum_total counter',
      'bytes_sum_total 10.5 2000',
      '# HELP requests_mean metrix-stream aggregate requests.mean',
      '# TYPE requests_mean gauge',
      'requests_mean{route="/a"} 7 2000',
      '# HELP requests_total metrix-stream: the total of requests.count over every window',
      '# TYPE requests_total counter',
      'requests_total{route="/a"} 9 2000',
      '',
    ].join('\n'),
  );
  const failed = once(sink, 'error');
  sink.write(el('bytes.sum', -1, {}, 3000));
  const [err] = (await failed) as [Error & { code?: string }];
  t.equal(err.code, ErrorCode.INVALID_VALUE, 'a counter cannot decrease');
});

t.test('MSinkPrometheus: without cumulative, counts and sums are gauges named clear of _count/_sum', async (t) => {
  const sink = new MSinkPrometheus();
  await feed(sink, [el('requests.count', 3, {}, 1000), el('latencyMs.sum', 2, {}, 1000)]);
  t.equal(
    sink.exposition(),
    [
      '# HELP latency_milliseconds_sum_per_window metrix-stream aggregate latencyMs.sum',
      '# TYPE latency_milliseconds_sum_per_window gauge',
      'latency_milliseconds_sum_per_window 2',
      '# HELP requests_count_per_window metrix-stream aggregate requests.count',
      '# TYPE requests_count_per_window gauge',
      'requests_count_per_window 3',
      '',
    ].join('\n'),
  );
});

t.test('MSinkPrometheus: HELP text escapes backslash and newline', async (t) => {
  const sink = new MSinkPrometheus();
  await feed(sink, [el('x\\y\nz', 1, {}, 0)]);
  t.match(sink.exposition(), /^# HELP x_y_z metrix-stream aggregate x\\\\y\\nz$/m);
});

t.test(
  'MSinkPrometheus: promtool check metrics accepts the exposition without findings',
  { skip: promtoolSkip() },
  async (t) => {
    for (const options of [{}, { cumulative: true, timestamps: true }]) {
      const sink = new MSinkPrometheus(options);
      await feed(sink, [
        el('requests.count', 3, { route: '/a', 'host name': 'web "1"\n' }, 1_700_000_000_000),
        el('requests.sum', 30, { route: '/a' }, 1_700_000_000_000),
        el('requests.rate', 0.3, { route: '/a' }, 1_700_000_000_000),
        el('latency_s.p99', 0.25, { route: '/b' }, 1_700_000_000_000),
        el('responseSize:b.mean', 1200, {}, 1_700_000_000_000),
        el('queue.gauge.last', 4, {}, 1_700_000_000_000),
        el('hits_total.max', 9, {}, 1_700_000_000_000),
        el('temp celsius.last', 21.5, { 'a.b': '1', '9x': '2' }, 1_700_000_000_000),
        el('9 lives.count', 1, {}, 1_700_000_000_000),
      ]);
      const text = sink.exposition();
      const { code, output } = await promtoolCheck(text);
      t.equal(code, 0, `promtool exit 0 for ${JSON.stringify(options)}: ${output}\n${text}`);
      t.equal(output.trim(), '', 'no findings');
    }
  },
);

t.test(
  'MSinkPrometheus: a non-base unit is the one finding promtool keeps (documented)',
  { skip: promtoolSkip() },
  async (t) => {
    const sink = new MSinkPrometheus();
    await feed(sink, [el('latency_ms.mean', 12, {}, 0)]);
    const { code, output } = await promtoolCheck(sink.exposition());
    t.equal(code, 3);
    t.match(output, /latency_milliseconds_mean use base unit "seconds" instead of "milliseconds"/);
  },
);

t.test('MSinkPrometheus: summaries: quantiles, _sum and _count of a stream in one summary family', async (t) => {
  const sink = new MSinkPrometheus({ summaries: true, cumulative: true });
  await feed(sink, [
    el('latency_s.p99', 0.9, { route: '/a' }, 1000),
    el('latency_s.median', 0.2, { route: '/a' }, 1000),
    el('latency_s.p99.9', 1.5, { route: '/a' }, 1000),
    el('latency_s.count', 10, { route: '/a' }, 1000),
    el('latency_s.sum', 3, { route: '/a' }, 1000),
    el('latency_s.mean', 0.3, { route: '/a' }, 1000),
    // The next window: quantiles replaced, count and sum added up.
    el('latency_s.p99', 0.7, { route: '/a' }, 2000),
    el('latency_s.count', 5, { route: '/a' }, 2000),
    el('latency_s.sum', 1, { route: '/a' }, 2000),
    el('latency_s.p50', 0.1, { quantile: 'mine' }, 2000),
    el('hits.count', 4, {}, 2000), // a count alone: a summary without quantiles
  ]);
  t.equal(
    sink.exposition(),
    [
      '# HELP hits metrix-stream: quantiles of the latest window, count and sum of every window, of hits',
      '# TYPE hits summary',
      'hits_count 4',
      '# HELP latency_seconds metrix-stream: quantiles of the latest window, count and sum of every window, of latency_s',
      '# TYPE latency_seconds summary',
      'latency_seconds{route="/a",quantile="0.5"} 0.2',
      'latency_seconds{route="/a",quantile="0.99"} 0.7',
      'latency_seconds{route="/a",quantile="0.999"} 1.5',
      'latency_seconds_sum{route="/a"} 4',
      'latency_seconds_count{route="/a"} 15',
      'latency_seconds{tag_quantile="mine",quantile="0.5"} 0.1',
      '# HELP latency_seconds_mean metrix-stream aggregate latency_s.mean',
      '# TYPE latency_seconds_mean gauge',
      'latency_seconds_mean{route="/a"} 0.3',
      '',
    ].join('\n'),
  );
});

t.test(
  'MSinkPrometheus: summaries: a name already used by another type fails the sink (ERR_METRIX_INVALID_NAME)',
  async (t) => {
    const sink = new MSinkPrometheus({ summaries: true });
    await feed(sink, [el('x', 1, {}, 0)]);
    const failed = once(sink, 'error');
    sink.write(el('x.p99', 1, {}, 0));
    const [err] = (await failed) as [Error & { code?: string }];
    t.equal(err.code, ErrorCode.INVALID_NAME);
  },
);

t.test(
  'MSinkPrometheus: summaries from a real MStream pass promtool without findings',
  { skip: promtoolSkip() },
  async (t) => {
    const sink = new MSinkPrometheus({ summaries: true, timestamps: true });
    const mc = new MCoordinator({
      mstreams: [
        new MStream('request_seconds', {
          agg: [count, sum, median, percentile(90), percentile(99), mean],
          batchSize: 5,
        }),
      ],
      msinks: [sink],
    });
    for (let i = 0; i < 20; i++) mc.send('request_seconds', (i % 7) / 10, { tags: { route: i % 2 ? '/a' : '/b' } });
    const exposition = new Promise<string>((resolve) => sink.once('finish', () => resolve(sink.exposition())));
    await mc.close();
    const text = await exposition;
    t.match(text, /^# TYPE request_seconds summary$/m);
    t.match(text, /^request_seconds_count\{route="\/a"\} 10 \d+$/m, 'two batches of 5 added up');
    const { code, output } = await promtoolCheck(text);
    t.equal(code, 0, `promtool: ${output}\n${text}`);
    t.equal(output.trim(), '');
  },
);
