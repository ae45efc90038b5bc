// The command's database sinks against a real VictoriaMetrics (which speaks Influx line protocol,
// OpenTSDB and Graphite), and its Prometheus endpoint read while it runs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import t from 'tap';
import type { CliConfig } from '../../src/cli/CliConfig.js';
import { resolveConfig } from '../../src/cli/resolveConfig.js';
import { startCli } from '../../src/cli/startCli.js';
import { until } from '../helpers/until.js';
import { VictoriaMetrics, vmSkipReason } from '../helpers/victoriaMetrics.js';

const T0 = 1_700_000_000_000;
const INPUT = [1, 2, 3, 4]
  .map((v, i) => JSON.stringify({ name: 'jobs', value: v, tags: { queue: 'q1' }, time: T0 + i * 1000 }))
  .join('\n');

async function run(partial: Partial<CliConfig>, input: string, stdout = new PassThrough().resume()) {
  const stdin = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  let err = '';
  stderr.on('data', (d) => (err += d));
  const cli = startCli(
    {
      ...resolveConfig({ files: [], streams: [{ name: 'jobs', agg: ['sum'], batchSize: 2 }] }),
      output: 'none',
      ...partial,
    },
    { stdin, stdout, stderr },
  );
  stdin.end(input);
  return { code: await cli.done, stderr: err };
}

t.test('startCli: --influx, --opentsdb and --graphite deliver every aggregate', { skip: vmSkipReason() }, async (t) => {
  const vm = await VictoriaMetrics.start();
  t.teardown(() => vm.cleanup());
  const influx = await run({ influxUrl: vm.url, defaultTags: { via: 'influx' } }, INPUT);
  t.same(influx, { code: 0, stderr: '' });
  const opentsdb = await run(
    { opentsdbUrl: `http://127.0.0.1:${vm.ports.opentsdbHttp}`, defaultTags: { via: 'opentsdb' } },
    INPUT,
  );
  t.same(opentsdb, { code: 0, stderr: '' });
  const graphite = await run({ graphite: `127.0.0.1:${vm.ports.graphite}`, defaultTags: { via: 'graphite' } }, INPUT);
  t.same(graphite, { code: 0, stderr: '' });

  const points = async (match: string) =>
    (await vm.export(match, T0 - 10_000, T0 + 60_000)).map((s) => ({ values: s.values, timestamps: s.timestamps }));
  // Batches of 2: sums 3 and 7, stamped with each batch's last element time.
  const expected = [{ values: [3, 7], timestamps: [T0 + 1000, T0 + 3000] }];
  t.same(await points('{__name__="jobs.sum_value",via="influx",queue="q1"}'), expected, 'Influx line protocol');
  t.same(await points('{__name__="jobs.sum",via="opentsdb",queue="q1"}'), expected, 'OpenTSDB HTTP');
  t.same(await points('{__name__="jobs.sum",via="graphite",queue="q1"}'), expected, 'Graphite plaintext');
});

t.test('startCli: a database that rejects the data is exit 1, the other sinks got everything', async (t) => {
  // A 4xx is not retried: the sink fails at once (an unreachable one would retry for ~40 s first).
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(400, { 'content-type': 'text/plain' }).end('bad points\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const result = await run({ opentsdbUrl: `http://127.0.0.1:${port}`, output: 'ndjson' }, INPUT, stdout);
  t.equal(result.code, 1);
  t.match(result.stderr, /error: .*MSinkOpenTSDB.*failed/);
  t.equal(out.trim().split('\n').length, 2, 'stdout still got both aggregates');
});

t.test('startCli: --prometheus-port serves the latest aggregates while it runs', async (t) => {
  const stdin = new PassThrough();
  const stdout = new PassThrough().resume();
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  let err = '';
  stderr.on('data', (d) => (err += d));
  const cli = startCli(
    {
      ...resolveConfig({ files: [], streams: [{ name: 'jobs', agg: ['sum'], batchSize: 2 }] }),
      output: 'none',
      httpPort: 0,
      prometheusPort: 0,
    },
    { stdin, stdout, stderr },
  );
  const { http, prometheus } = await cli.listening;
  t.match(err, /serving Prometheus metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
  const res = await fetch(`http://127.0.0.1:${http?.port}/`, { method: 'POST', body: INPUT });
  t.equal(res.status, 200);
  await res.text();
  let metrics = '';
  const served = async () => {
    metrics = await (await fetch(prometheus?.url ?? '')).text();
    return /\{queue="q1"\} 7\b/.test(metrics);
  };
  await until(served, 'the aggregate served', 10_000);
  // The page's naming (a gauge named *_sum gets _per_window, HELP and TYPE lines) is
  // MSinkPrometheus's, tested there; here: the command serves its latest aggregate.
  t.match(metrics, /^jobs_sum\w*\{queue="q1"\} 7\b/m);
  cli.stop();
  t.equal(await cli.done, 0);
});
