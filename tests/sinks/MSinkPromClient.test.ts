// MSinkPromClient against the real prom-client 15: what registry.metrics() prints.
import * as client from 'prom-client';
import t from 'tap';
import { mean, sum } from '../../src/aggregators/builtins.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';
import type { MSink } from '../../src/sinks/MSink.js';
import { MSinkPromClient } from '../../src/sinks/MSinkPromClient.js';
import { promtoolCheck, promtoolSkip } from '../helpers/promtool.js';

function finish(sink: MSink): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
    sink.end();
  });
}

const el = (name: string, value: number, tags: Record<string, string> = {}) =>
  new MElement(name, value, { tags, time: 0 });

t.test('MSinkPromClient: one gauge per aggregate, tags as labels, last value per label set', async (t) => {
  const registry = new client.Registry();
  const sink = new MSinkPromClient(client, { registry });
  sink.write(el('latency.mean', 12, { route: '/a' }));
  sink.write(el('latency.mean', 30, { route: '/b' }));
  sink.write(el('latency.mean', 14, { route: '/a' }));
  sink.write(el('hits', 3));
  await finish(sink);
  t.equal(
    await registry.metrics(),
    [
      '# HELP latency_mean metrix-stream aggregate latency.mean',
      '# TYPE latency_mean gauge',
      'latency_mean{route="/a"} 14',
      'latency_mean{route="/b"} 30',
      '',
      '# HELP hits metrix-stream aggregate hits',
      '# TYPE hits gauge',
      'hits 3',
      '',
    ].join('\n'),
  );
});

t.test('MSinkPromClient: names and label names sanitised, values kept whole, colliding names', async (t) => {
  const registry = new client.Registry();
  const sink = new MSinkPromClient(client, { registry, help: (name) => `help for ${name}` });
  sink.write(el('9 lives.p99', 1, { 'host name': 'web "2"\n', __secret: 'x', 'a-b': 'first', 'a.b': 'second', e: '' }));
  await finish(sink);
  t.equal(
    await registry.metrics(),
    [
      '# HELP _9_lives_p99 help for 9 lives.p99',
      '# TYPE _9_lives_p99 gauge',
      // `a-b` sorts before `a.b`: it keeps the name a_b; the empty value is left out.
      '_9_lives_p99{_secret="x",a_b="first",host_name="web \\"2\\"\\n"} 1',
      '',
    ].join('\n'),
  );
});

t.test('MSinkPromClient: a new label name remakes the gauge, every value kept with its own labels', async (t) => {
  const registry = new client.Registry();
  const sink = new MSinkPromClient(client, { registry });
  sink.write(el('m', 1));
  sink.write(el('m', 2, { host: 'h1' }));
  sink.write(el('m', 3, { host: 'h2', dc: 'eu' }));
  sink.write(el('m', 4, { host: 'h1' }));
  await finish(sink);
  t.equal(
    await registry.metrics(),
    [
      '# HELP m metrix-stream aggregate m',
      '# TYPE m gauge',
      'm 1',
      'm{host="h1"} 4',
      'm{dc="eu",host="h2"} 3',
      '',
    ].join('\n'),
  );
  t.equal(registry.getMetricsAsArray().length, 1, 'one metric in the registry');
});

t.test("MSinkPromClient: beside the application's own metrics; the global register by default", async (t) => {
  const own = new client.Counter({ name: 'app_requests_total', help: 'requests', registers: [] });
  const registry = new client.Registry();
  registry.registerMetric(own);
  own.inc(5);
  const mc = new MCoordinator({
    mstreams: [new MStream('jobs', { agg: { sum, mean }, batchSize: 2 })],
    msinks: [new MSinkPromClient(client, { registry })],
  });
  for (const v of [1, 3, 10]) mc.send('jobs', v, { tags: { queue: 'q1' } });
  await mc.close();
  const text = await registry.metrics();
  t.match(text, /^app_requests_total 5$/m);
  t.match(text, /^jobs_sum_per_window\{queue="q1"\} 10$/m, 'the last batch (10 alone) wins');
  t.match(text, /^jobs_mean\{queue="q1"\} 10$/m);

  client.register.clear();
  t.teardown(() => client.register.clear());
  const global = new MSinkPromClient(client);
  global.write(el('g', 1));
  await finish(global);
  t.match(await client.register.metrics(), /^g 1$/m);
});

t.test('MSinkPromClient: a name taken by another metric fails the sink with prom-client’s error', async (t) => {
  const registry = new client.Registry();
  new client.Gauge({ name: 'taken', help: 'not ours', registers: [registry] });
  const sink = new MSinkPromClient(client, { registry });
  const failed = new Promise<Error>((resolve) => sink.on('error', resolve));
  sink.write(el('taken', 1));
  t.match((await failed).message, /already been registered/);
});

t.test('MSinkPromClient: invalid arguments throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  const bad: Array<[unknown, unknown]> = [
    [undefined, {}],
    [{}, {}],
    [client, null],
    [client, { registry: {} }],
    [client, { help: 'text' }],
  ];
  for (const [c, options] of bad) {
    t.throws(() => new MSinkPromClient(c as never, options as never), { code: ErrorCode.INVALID_ARGUMENT });
  }
});

t.test(
  'MSinkPromClient: names as MSinkPrometheus gives them; promtool finds nothing',
  { skip: promtoolSkip() },
  async (t) => {
    const registry = new client.Registry();
    const sink = new MSinkPromClient(client, { registry });
    sink.write(el('requests.count', 3, { route: '/a' }));
    sink.write(el('requests.sum', 30, { route: '/a' }));
    sink.write(el('responseSize:b.mean', 1.5));
    sink.write(el('queue.gauge.last', 4, { 'host name': 'h "1"' }));
    await finish(sink);
    const text = await registry.metrics();
    t.match(text, /^requests_count_per_window\{route="\/a"\} 3$/m);
    t.match(text, /^response_size_bytes_mean 1.5$/m);
    const { code, output } = await promtoolCheck(text);
    t.equal(code, 0, `promtool: ${output}\n${text}`);
  },
);
