// Question: how does MStream.send() compare with the metric libraries a Node program would use
// instead — prom-client and the OpenTelemetry SDK — recording the same values with the same tags,
// in the same process? Each peer's run ends with one collection, as MStream's ends with close().
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Counter, Histogram, Registry } from 'prom-client';
import { max, mean, sum } from '../src/index.js';
import { type Question, type Row, rate, times } from './report.js';
import { sendAll } from './send.js';
import { isChildOf, medianRate, pairedRatio, serveGroup, type TimedCase, timeGroups } from './timing.js';
import { makeWorkload, type Workload } from './workload.js';

const LABELS = ['host', 'route'];

/** prom-client's `counter.inc(labels, value)` (or `inc(value)` untagged) for every element, then
 * one `get()`; returns the number of series. */
async function promCounter(w: Workload): Promise<number> {
  const counter = new Counter({ name: 'bench', help: 'bench', labelNames: LABELS, registers: [new Registry()] });
  const { values, tags } = w;
  const n = values.length;
  if (tags === undefined) for (let i = 0; i < n; i++) counter.inc(values[i] as number);
  else for (let i = 0; i < n; i++) counter.inc(tags[i] as Record<string, string>, values[i] as number);
  return (await counter.get()).values.length;
}

/** prom-client's `histogram.observe(labels, value)` (default buckets), then one `get()`. */
async function promHistogram(w: Workload): Promise<number> {
  const histogram = new Histogram({ name: 'bench', help: 'bench', labelNames: LABELS, registers: [new Registry()] });
  const { values, tags } = w;
  const n = values.length;
  if (tags === undefined) for (let i = 0; i < n; i++) histogram.observe(values[i] as number);
  else for (let i = 0; i < n; i++) histogram.observe(tags[i] as Record<string, string>, values[i] as number);
  return (await histogram.get()).values.filter((v) => v.metricName === 'bench_count').length;
}

/**
 * A reader that exports only when asked: `collect()` once, after the timing's sends. Its
 * cardinality limit is raised from the SDK's default 2000 series per instrument, beyond which the
 * SDK folds attributes into one overflow series: the 10 k-tag-set case must keep every series,
 * as MStream and prom-client do.
 */
class ManualReader extends MetricReader {
  constructor() {
    super({ cardinalitySelector: () => 100_000 });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** The OpenTelemetry SDK's `counter.add(value, attributes)` or `histogram.record(value,
 * attributes)` for every element, then one `collect()`; returns the number of data points. */
async function otel(w: Workload, instrument: 'counter' | 'histogram'): Promise<number> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('bench');
  const { values, tags } = w;
  const n = values.length;
  if (instrument === 'counter') {
    const counter = meter.createCounter('bench');
    if (tags === undefined) for (let i = 0; i < n; i++) counter.add(values[i] as number);
    else for (let i = 0; i < n; i++) counter.add(values[i] as number, tags[i]);
  } else {
    const histogram = meter.createHistogram('bench');
    if (tags === undefined) for (let i = 0; i < n; i++) histogram.record(values[i] as number);
    else for (let i = 0; i < n; i++) histogram.record(values[i] as number, tags[i]);
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics.scopeMetrics[0]?.metrics[0]?.dataPoints.length ?? 0;
}

function peerGroup(w: Workload): TimedCase[] {
  const series = w.tagSets;
  return [
    { id: 'send', run: () => sendAll(w), expected: w.expectedOutputs },
    { id: 'promCounter', run: () => promCounter(w), expected: series },
    { id: 'promHistogram', run: () => promHistogram(w), expected: series },
    { id: 'otelCounter', run: () => otel(w, 'counter'), expected: series },
    { id: 'otelHistogram', run: () => otel(w, 'histogram'), expected: series },
  ];
}

const groups = {
  plain: (n: number) => {
    const w = makeWorkload({ n, tagSets: 0, aggs: [sum] });
    return [
      { id: 'send', run: () => sendAll(w), expected: w.expectedOutputs },
      { id: 'promCounter', run: () => promCounter(w), expected: 1 },
    ];
  },
  tags100: (n: number) => peerGroup(makeWorkload({ n, tagSets: 100, aggs: [sum, max, mean] })),
  tags10k: (n: number) => peerGroup(makeWorkload({ n, tagSets: 10_000, aggs: [sum, max, mean], batchSize: 10_000 })),
};

const peers = [
  ['promCounter', 'prom-client counter.inc(labels, v)'],
  ['promHistogram', 'prom-client histogram.observe(labels, v)'],
  ['otelCounter', 'OTel SDK counter.add(v, attributes)'],
  ['otelHistogram', 'OTel SDK histogram.record(v, attributes)'],
] as const;

export const question: Question = {
  id: 'peers',
  async run(settings) {
    // Two batches of 10 k at least, so that the 10 k-tag-set case finds its groups again.
    const n = Math.max(settings.slowN, 20_000);
    const rates = await timeGroups(import.meta.url, Object.keys(groups), n, settings);
    const plain = pairedRatio(rates, 'plain.send', 'plain.promCounter');
    const rows: Row[] = [
      {
        question: 'peers',
        case: 'no tags, [sum], batchSize 1000',
        figure: `send() ${rate(medianRate(rates, 'plain.send'))}`,
        baseline: `prom-client counter.inc(v) ${rate(medianRate(rates, 'plain.promCounter'))}`,
        vs: `${times(1 / plain)} the cost`,
        target: '≤ 2.00× the cost',
        met: plain >= 0.5,
      },
    ];
    const tagged = [
      ['tags100', '100 frozen tag sets, [sum,max,mean], batchSize 1000'],
      ['tags10k', '10 k frozen tag sets, [sum,max,mean], batchSize 10000'],
    ] as const;
    for (const [group, label] of tagged) {
      for (const [peer, what] of peers) {
        const ratio = pairedRatio(rates, `${group}.send`, `${group}.${peer}`);
        rows.push({
          question: 'peers',
          case: label,
          figure: `send() ${rate(medianRate(rates, `${group}.send`))}`,
          baseline: `${what} ${rate(medianRate(rates, `${group}.${peer}`))}`,
          vs: times(ratio),
          target: '> 1.00×',
          met: ratio > 1,
        });
      }
    }
    return rows;
  },
};

if (isChildOf(import.meta.url)) serveGroup(groups);
