// MSinkOpenTelemetry against the real OpenTelemetry SDK (sdk-metrics 2.12): an in-memory exporter
// read after a forced flush, and OpenTelemetry's own Prometheus exporter scraped over HTTP.
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import t from 'tap';
import { count, mean } from '../../src/aggregators/builtins.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';
import { MSinkOpenTelemetry } from '../../src/sinks/MSinkOpenTelemetry.js';
import { freePort } from '../helpers/victoriaMetrics.js';

function finish(sink: MSinkOpenTelemetry): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
    sink.end();
  });
}

/** A MeterProvider whose points are read from an in-memory exporter on demand. */
function inMemory() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The interval is never reached: the test forces the flush; shutdown() clears the timer.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  /** Every point of the last export: `name{k=v,…} value`, sorted. */
  const points = async (): Promise<string[]> => {
    exporter.reset();
    await meterProvider.forceFlush();
    const out: string[] = [];
    for (const rm of exporter.getMetrics()) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          for (const p of m.dataPoints) {
            const attrs = Object.entries(p.attributes)
              .map(([k, v]) => `${k}=${String(v)}`)
              .sort()
              .join(',');
            out.push(`${sm.scope.name} ${m.descriptor.name}{${attrs}} ${String(p.value)} ${m.descriptor.description}`);
          }
        }
      }
    }
    return out.sort();
  };
  return { meterProvider, points };
}

t.test('MSinkOpenTelemetry: one gauge per aggregate name, tags as attributes, the last value kept', async (t) => {
  const { meterProvider, points } = inMemory();
  t.teardown(() => meterProvider.shutdown());
  const sink = new MSinkOpenTelemetry({ meterProvider });
  sink.write(new MElement('latency.mean', 12, { tags: { route: '/a' }, time: 1000 }));
  sink.write(new MElement('latency.mean', 30, { tags: { route: '/b' }, time: 1000 }));
  sink.write(new MElement('latency.mean', 14, { tags: { route: '/a' }, time: 2000 }));
  sink.write(new MElement('hits.count', 3, { time: 2000 }));
  await finish(sink);
  t.same(await points(), [
    'metrix-stream hits.count{} 3 metrix-stream aggregate hits.count',
    'metrix-stream latency.mean{route=/a} 14 metrix-stream aggregate latency.mean',
    'metrix-stream latency.mean{route=/b} 30 metrix-stream aggregate latency.mean',
  ]);
});

t.test('MSinkOpenTelemetry: names OpenTelemetry rejects are sanitised; a meter of your own', async (t) => {
  const { meterProvider, points } = inMemory();
  t.teardown(() => meterProvider.shutdown());
  const sink = new MSinkOpenTelemetry({
    meter: meterProvider.getMeter('mine'),
    instrumentOptions: (name) => (name.startsWith('9') ? { description: 'nine' } : {}),
  });
  sink.write(new MElement('latency ms,p99', 1, { time: 0 }));
  sink.write(new MElement('9lives', 2, { time: 0 }));
  sink.write(new MElement('ünïcode/ok-1.x', 3, { time: 0 }));
  await finish(sink);
  t.same(await points(), [
    'mine latency_ms_p99{} 1 metrix-stream aggregate latency ms,p99',
    'mine metric_9lives{} 2 nine',
    'mine metric__n_code/ok-1.x{} 3 metrix-stream aggregate ünïcode/ok-1.x',
  ]);
});

t.test('MSinkOpenTelemetry: through an MCoordinator, empty input records nothing', async (t) => {
  const { meterProvider, points } = inMemory();
  t.teardown(() => meterProvider.shutdown());
  const mc = new MCoordinator({
    mstreams: [
      new MStream('req', { agg: [count, mean], batchSize: 2 }),
      new MStream('idle', { agg: count, batchSize: 2 }),
    ],
    msinks: [new MSinkOpenTelemetry({ meterProvider })],
  });
  for (const v of [1, 3, 5, 7, 10]) mc.send('req', v, { tags: { host: 'h1' } });
  await mc.close();
  t.same(await points(), [
    'metrix-stream req.count{host=h1} 1 metrix-stream aggregate req.count',
    'metrix-stream req.mean{host=h1} 10 metrix-stream aggregate req.mean',
  ]);
});

t.test("MSinkOpenTelemetry: OpenTelemetry's Prometheus exporter serves the aggregates over HTTP", async (t) => {
  const port = await freePort();
  const exporter = new PrometheusExporter({ host: '127.0.0.1', port, preventServerStart: true });
  await exporter.startServer();
  const meterProvider = new MeterProvider({ readers: [exporter] });
  let shut = false;
  t.teardown(() => (shut ? undefined : meterProvider.shutdown())); // shuts the exporter and its server down
  const sink = new MSinkOpenTelemetry({ meterProvider });
  sink.write(new MElement('latency.mean', 12.5, { tags: { route: '/a' }, time: 0 }));
  sink.write(new MElement('latency.mean', 7, { tags: { route: '/b' }, time: 0 }));
  await finish(sink);
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.equal(res.status, 200);
  const body = await res.text();
  t.match(body, /^# HELP latency_mean metrix-stream aggregate latency\.mean$/m);
  t.match(body, /^# TYPE latency_mean gauge$/m);
  t.match(body, /^latency_mean\{[^}]*route="\/a"[^}]*\} 12\.5$/m);
  t.match(body, /^latency_mean\{[^}]*route="\/b"[^}]*\} 7$/m);
  await meterProvider.shutdown();
  shut = true;
  await t.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'the exporter closed its server');
});

t.test('MSinkOpenTelemetry: an error thrown by the meter fails the sink, unchanged', async (t) => {
  const boom = new Error('meter down');
  const sink = new MSinkOpenTelemetry({
    meter: {
      createGauge: () => ({
        record() {
          throw boom;
        },
      }),
    },
  });
  const failed = new Promise((resolve) => sink.on('error', resolve));
  sink.write(new MElement('m', 1));
  t.equal(await failed, boom);
});

t.test('MSinkOpenTelemetry: invalid options throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  const meter = { createGauge: () => ({ record() {} }) };
  const bad: unknown[] = [
    undefined,
    null,
    'meter',
    {},
    { meter, meterProvider: { getMeter: () => meter } },
    { meterProvider: {} },
    { meterProvider: { getMeter: () => ({}) } }, // an API older than 1.9: no createGauge
    { meter: {} },
    { meter, meterName: '' },
    { meterProvider: { getMeter: () => meter }, meterName: 3 },
    { meter, instrumentOptions: 'unit' },
  ];
  for (const options of bad) {
    t.throws(
      () => new MSinkOpenTelemetry(options as never),
      { code: ErrorCode.INVALID_ARGUMENT },
      JSON.stringify(options),
    );
  }
});
