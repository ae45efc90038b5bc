// Scenarios shared by the TSDB sink tests: data with characters that need escaping, sent through an
// MCoordinator or straight into a sink, read back from a real VictoriaMetrics and compared element
// by element; and the faults (down at start, killed and restarted, slow).
import { once } from 'node:events';
import { count, last, max, mean, sum } from '../../src/aggregators/builtins.js';
import { keyFromTags } from '../../src/key.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MElement, type Tags } from '../../src/MElement.js';
import { MStream } from '../../src/MStream.js';
import { MSink } from '../../src/sinks/MSink.js';
import type { MSinkNetwork, MSinkNetworkOptions } from '../../src/sinks/MSinkNetwork.js';
import { TcpProxy } from './tcpProxy.js';
import { until } from './until.js';
import { type ExportedSeries, reservePorts, VictoriaMetrics, type VmPorts } from './victoriaMetrics.js';

/** What the assertions need of a test. */
export interface TestLike {
  ok(value: unknown, message: string): unknown;
  equal(found: unknown, wanted: unknown, message: string): unknown;
  comment(...args: unknown[]): unknown;
  teardown(fn: () => unknown): void;
}

/** A whole minute: element times are `T0 + k·1000 + 123`, so the truncation to seconds shows. */
export const T0 = 1_700_000_040_000;
const OFFSET_MS = 123;

/** Tag sets of the test data: plain ones, and ones with every character some format escapes. */
export const TAG_SETS: readonly Tags[] = [
  Object.freeze({ dc: 'eu', host: 'web-1' }),
  Object.freeze({ 'host name': 'web 2,eu=west', path: 'C:\\temp\\', quote: 'say "hi"', ü: 'ñ;~x' }),
];

/** Streams of the test data; element names are `<stream>.<aggregation>`. */
export const STREAMS = [
  { name: 'http requests', agg: [sum, count], batchSize: 4 },
  { name: 'latency,ms', agg: { mean, max }, batchSize: 3 },
  { name: 'temp=room', agg: last, batchSize: 2 },
] as const;

/** Every element name the streams produce. */
export const ELEMENT_NAMES = [
  'http requests.sum',
  'http requests.count',
  'latency,ms.mean',
  'latency,ms.max',
  'temp=room.last',
] as const;

/** How one sink's data looks once stored. */
export interface SinkCase {
  /** The sink under test for a server listening on `ports`. */
  make(ports: VmPorts, options?: MSinkNetworkOptions): MSinkNetwork;
  /** The port the sink talks to (for a proxy in front of it). */
  port(ports: VmPorts): number;
  /** The same sink aimed at another port on 127.0.0.1. */
  makeAt(port: number, options?: MSinkNetworkOptions): MSinkNetwork;
  /** The stored series name of each element name. */
  metric: Readonly<Record<(typeof ELEMENT_NAMES)[number], string>>;
  /** The stored labels of each tag set of {@link TAG_SETS}, by index. */
  labels: readonly Readonly<Record<string, string>>[];
  /** Timestamp resolution of the protocol: 1 or 1000 ms. */
  resolutionMs: number;
  /**
   * The backend answers each batch (HTTP). Without answers (Graphite, OpenTSDB telnet) a server
   * that shuts down can take a batch it never stores for acknowledged.
   */
  acknowledged: boolean;
}

const value = (i: number) => ((i * 7) % 23) * 0.5 + 1;

/** A sink that keeps what it receives: the reference the database is compared with. */
export class MSinkRecorder extends MSink {
  readonly received: MElement[] = [];
  protected handle(element: MElement): void {
    this.received.push(element);
  }
}

/**
 * Sends `perStream` values to each of {@link STREAMS} through an MCoordinator whose sinks are
 * `sink` and a recorder; resolves with what the recorder received once `close()` resolved.
 */
export async function sendThroughCoordinator(sink: MSinkNetwork, perStream: number): Promise<MElement[]> {
  const recorder = new MSinkRecorder();
  const mc = new MCoordinator({
    mstreams: STREAMS.map((s) => new MStream(s.name, { agg: s.agg, batchSize: s.batchSize })),
    msinks: [sink, recorder],
  });
  for (let i = 0; i < perStream; i++) {
    for (const s of STREAMS) {
      const input = { name: s.name, value: value(i), tags: TAG_SETS[i % 2] as Tags, time: T0 + i * 1000 + OFFSET_MS };
      if (!mc.write(input)) await once(mc, 'drain');
    }
  }
  await mc.close();
  return recorder.received;
}

/** `n` elements straight for a sink: every element name and tag set, a new second for each. */
export function elementsFor(n: number, from = 0): MElement[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return new MElement(ELEMENT_NAMES[i % ELEMENT_NAMES.length] as string, value(i), {
      tags: TAG_SETS[Math.floor(i / ELEMENT_NAMES.length) % 2] as Tags,
      time: T0 + i * 1000 + OFFSET_MS,
    });
  });
}

/** Writes every element, waiting for `'drain'` whenever `write()` says so. */
export async function writeAll(
  sink: MSinkNetwork,
  elements: readonly MElement[],
  onWrite?: () => void,
): Promise<number> {
  let refusals = 0;
  for (const e of elements) {
    onWrite?.();
    if (!sink.write(e)) {
      refusals++;
      await once(sink, 'drain');
    }
  }
  return refusals;
}

/** Ends the sink and waits for `'finish'` (rejects on `'error'`). */
export async function endSink(sink: MSinkNetwork): Promise<void> {
  const finished = once(sink, 'finish');
  sink.end();
  await finished;
}

function labelsKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The key of one stored sample: series name, labels and timestamp. */
function sampleKey(name: string, labels: Readonly<Record<string, string>>, time: number): string {
  return `${name} ${labelsKey(labels)} @${time}`;
}

// VictoriaMetrics keeps 12 significant decimal digits of a value (its compression is lossy
// beyond that): compare with a relative tolerance well above that, far below any real mistake.
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/**
 * Reads everything back from `vm` and checks that each element is stored exactly once with the
 * stored name, labels, value and timestamp `sinkCase` says, and that nothing else is stored.
 * With `maxDuplicates > 0` (after a fault: a batch resent, at-least-once), up to that many
 * elements may be stored twice, with the very same timestamp and value; the count is reported. With
 * `maxMissing > 0` (protocols without acknowledgements when the server itself shuts down), up to
 * that many — one batch in flight — may be missing; the count is reported.
 */
export async function assertStoredOnce(
  t: TestLike,
  vm: VictoriaMetrics,
  sinkCase: SinkCase,
  elements: readonly MElement[],
  maxDuplicates = 0,
  maxMissing = 0,
): Promise<void> {
  const tagIndex = new Map(TAG_SETS.map((tags, i) => [keyFromTags(tags), i]));
  const expected = new Map<string, number>();
  for (const e of elements) {
    const name = sinkCase.metric[e.name as (typeof ELEMENT_NAMES)[number]];
    const labels = sinkCase.labels[tagIndex.get(e.key) as number];
    if (name === undefined || labels === undefined) throw new Error(`no mapping for ${String(e)}`);
    const time = Math.floor(e.time / sinkCase.resolutionMs) * sinkCase.resolutionMs;
    const key = sampleKey(name, labels, time);
    if (expected.has(key)) throw new Error(`test data maps two elements to ${key}`);
    expected.set(key, e.value);
  }
  const series: ExportedSeries[] = await vm.export('{__name__=~".+"}', T0 - 86_400_000, T0 + 86_400_000 * 30);
  const stored = new Map<string, number[]>();
  for (const s of series) {
    const { __name__: name, ...labels } = s.metric;
    s.timestamps.forEach((time, i) => {
      const key = sampleKey(name as string, labels, time);
      stored.set(key, [...(stored.get(key) ?? []), s.values[i] as number]);
    });
  }
  const missing = [...expected.keys()].filter((k) => !stored.has(k));
  const unexpected = [...stored.keys()].filter((k) => !expected.has(k));
  const wrongValue = [...expected].filter(([k, v]) => stored.has(k) && !stored.get(k)?.every((x) => close(x, v)));
  const duplicated = [...stored].filter(([, values]) => values.length > 1);
  const sample = (keys: string[]) => keys.slice(0, 3).join(' | ');
  if (maxMissing === 0) {
    t.equal(missing.length, 0, `no element lost (${expected.size} expected) ${sample(missing)}`);
  } else {
    t.comment(`server shutdown: ${missing.length} element(s) of the batch in flight lost (bound ${maxMissing})`);
    t.ok(missing.length <= maxMissing, `lost (${missing.length}) at most the one batch in flight (${maxMissing})`);
  }
  t.equal(unexpected.length, 0, `nothing else stored ${sample(unexpected)}`);
  t.equal(wrongValue.length, 0, `values equal ${sample(wrongValue.map(([k, v]) => `${k}=${v} got ${stored.get(k)}`))}`);
  if (maxDuplicates === 0) {
    t.equal(duplicated.length, 0, `no element stored twice ${sample(duplicated.map(([k]) => k))}`);
  } else {
    t.comment(`at-least-once: ${duplicated.length} element(s) stored twice after the fault (bound ${maxDuplicates})`);
    t.ok(duplicated.length <= maxDuplicates, `duplicates (${duplicated.length}) within one batch (${maxDuplicates})`);
    t.ok(
      duplicated.every(([, values]) => values.length === 2),
      'a duplicate is one resend: two identical samples, never more',
    );
  }
}

/** Starts a VictoriaMetrics for one test and removes it in teardown. */
export async function startVm(
  t: TestLike,
  options?: Parameters<typeof VictoriaMetrics.start>[0],
): Promise<VictoriaMetrics> {
  const vm = await VictoriaMetrics.start(options);
  t.teardown(() => vm.cleanup());
  return vm;
}

/** Small, fast retries for the fault scenarios: never give up within a test. */
const FAST_RETRY = { initialDelayMs: 10, maxDelayMs: 100, maxRetries: Number.POSITIVE_INFINITY };

/** End to end: several streams through an MCoordinator, hundreds of windows, read back exactly. */
export async function scenarioCoordinator(t: TestLike, sinkCase: SinkCase): Promise<void> {
  const vm = await startVm(t);
  const sink = sinkCase.make(vm.ports, { batchSize: 200 });
  const elements = await sendThroughCoordinator(sink, 600);
  // 600 values per stream: 150 + 200 + 300 batches, one element per aggregation and tag set.
  t.equal(elements.length, 150 * 2 * 2 + 200 * 2 * 2 + 300 * 2, 'the coordinator delivered every window');
  t.equal(sink.sentCount, elements.length, 'the sink saw them all acknowledged');
  t.equal(sink.retryCount, 0, 'no retry was needed');
  await assertStoredOnce(t, vm, sinkCase, elements);
}

/** The backend is down when the sink starts and comes up later: everything arrives once. */
export async function scenarioDownAtStart(t: TestLike, sinkCase: SinkCase): Promise<void> {
  const ports = await reservePorts();
  const sink = sinkCase.make(ports, { batchSize: 25, flushIntervalMs: 5, retry: FAST_RETRY });
  const retried = new Promise<void>((resolve) => sink.on('retry', (_e: Error, n: number) => n >= 3 && resolve()));
  const elements = elementsFor(250);
  const writing = writeAll(sink, elements);
  await retried;
  t.ok(sink.sentCount === 0, 'nothing acknowledged while the server is down');
  const vm = await startVm(t, { ports });
  await writing;
  await endSink(sink);
  t.ok(sink.retryCount >= 3, `retried ${sink.retryCount} times`);
  await assertStoredOnce(t, vm, sinkCase, elements);
}

/**
 * The backend is stopped (SIGTERM) mid-stream and restarted. Every protocol: at most the one batch
 * in flight stored twice — VictoriaMetrics may store a request and close the connection without
 * answering it (HTTP: "socket hang up", seen in 4 of 46 HTTP runs here), so the sink resends it.
 * Acknowledged protocols (HTTP): nothing lost. Protocols without acknowledgements (Graphite,
 * OpenTSDB telnet): that batch may instead be lost, when the stopping server had read it and closed
 * the connection in order, which looks exactly like its acknowledgement (seen in two of about ten
 * runs of the suite here).
 */
export async function scenarioRestart(t: TestLike, sinkCase: SinkCase): Promise<void> {
  const vm = await startVm(t);
  const batchSize = 20;
  const sink = sinkCase.make(vm.ports, { batchSize, flushIntervalMs: 5, retry: FAST_RETRY });
  const elements = elementsFor(600);
  await writeAll(sink, elements.slice(0, 300));
  await until(() => sink.sentCount >= 200, 'the first 200 acknowledged');
  await vm.stop('SIGTERM');
  const before = sink.retryCount;
  const writing = writeAll(sink, elements.slice(300));
  await until(() => sink.retryCount >= before + 3, 'retries while the server is down');
  await vm.restart();
  await writing;
  await endSink(sink);
  t.ok(sink.retryCount > before, `retried ${sink.retryCount - before} times across the restart`);
  await assertStoredOnce(t, vm, sinkCase, elements, batchSize, sinkCase.acknowledged ? 0 : batchSize);
}

/**
 * A slow backend (every chunk delayed, then a stall): the writable pushes back, at most
 * `maxInFlight` batches are in flight, and everything arrives once.
 */
export async function scenarioSlow(t: TestLike, sinkCase: SinkCase): Promise<void> {
  const vm = await startVm(t);
  const proxy = await TcpProxy.start(sinkCase.port(vm.ports), 20);
  t.teardown(() => proxy.close());
  const sink = sinkCase.makeAt(proxy.port, { batchSize: 10, maxInFlight: 1, flushIntervalMs: 5, highWaterMark: 2 });
  const elements = elementsFor(200);
  let maxInFlight = 0;
  const watch = () => {
    maxInFlight = Math.max(maxInFlight, sink.inFlightCount);
  };
  const refusals = await writeAll(sink, elements.slice(0, 100), watch);
  proxy.stall();
  const writing = writeAll(sink, elements.slice(100), watch);
  await new Promise((r) => setTimeout(r, 300));
  const heldWhileStalled = sink.sentCount;
  t.ok(sink.writableLength <= 2 && sink.writableNeedDrain, 'stalled: the sink stopped accepting (write() is false)');
  proxy.resume();
  const moreRefusals = await writing;
  await endSink(sink);
  t.ok(refusals + moreRefusals > 0, `write() returned false ${refusals + moreRefusals} times`);
  t.ok(heldWhileStalled < elements.length, 'nothing completes while the backend stalls');
  t.equal(maxInFlight, 1, 'never more than maxInFlight batches in flight');
  t.equal(sink.retryCount, 0, 'slow is not failed: no retry');
  await assertStoredOnce(t, vm, sinkCase, elements);
}
