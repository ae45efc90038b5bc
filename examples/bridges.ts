// One coordinator, the aggregates handed to what a Node service already runs: an OpenTelemetry
// MeterProvider (here with its console exporter), a prom-client registry, and a pino logger.
// Run: npx tsx examples/bridges.ts
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import pino from 'pino';
import * as client from 'prom-client';
import {
  count,
  MCoordinator,
  MSinkLogger,
  MSinkOpenTelemetry,
  MSinkPromClient,
  MStream,
  mean,
  percentile,
} from '../src/index.js';

// The exporter would print every minute; shutdown() below exports once more and stops it.
const reader = new PeriodicExportingMetricReader({
  exporter: new ConsoleMetricExporter(),
  exportIntervalMillis: 60_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
const registry = new client.Registry();

const mc = new MCoordinator({
  mstreams: [new MStream('request_seconds', { agg: [count, mean, percentile(90)], batchSize: 4 })],
  msinks: [
    // A count has no unit; the other aggregates are in seconds.
    new MSinkOpenTelemetry({
      meterProvider,
      instrumentOptions: (name) => (name.endsWith('.count') ? {} : { unit: 's' }),
    }),
    new MSinkPromClient(client, { registry }),
    new MSinkLogger({ logger: pino({ base: null }), format: 'aggregate %s' }),
  ],
});

for (const [route, seconds] of [
  ['/home', 0.012],
  ['/api', 0.081],
  ['/home', 0.02],
  ['/home', 0.015],
  ['/api', 0.12],
  ['/home', 0.011],
] as const) {
  mc.send('request_seconds', seconds, { tags: { route } });
}
await mc.close(); // flushes the last, partial batches to every sink

console.log('--- prom-client registry.metrics()');
console.log(await registry.metrics());
console.log('--- OpenTelemetry console exporter');
await meterProvider.shutdown();
