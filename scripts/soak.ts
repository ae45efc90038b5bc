// Soak: push elements at a steady rate for N minutes through one MCoordinator with several streams
// and sinks — a counting sink (the reference), an NDJSON file and MSinkInflux to a real
// VictoriaMetrics that is stopped (SIGTERM) and restarted a few times — then check that counts
// match, the file and the database hold exactly what the reference got, and RSS stayed flat.
//
//   npx tsx scripts/soak.ts [--minutes 5 | --seconds 30] [--rate 20000] [--restarts K] [--seed S]
//
// Exits 0 when every check passes, 1 otherwise. Not part of `npm test`, except the short run of
// tests/soak.test.ts. Needs victoria-metrics (Debian: apt-get install victoria-metrics).
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MCoordinator, MetrixError, MSinkInflux, MSinkNDJSON, type MStream } from '../src/index.js';
import { VictoriaMetrics, vmSkipReason } from '../tests/helpers/victoriaMetrics.js';
import { rssVerdict, sampleRss } from './soak/rss.js';
import { type Check, checkNdjson, checkVictoriaMetrics } from './soak/verify.js';
import { MSinkCounting, prng, SOAK_STREAMS } from './soak/workload.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    rate: { type: 'string', default: '20000' },
    restarts: { type: 'string' },
    'down-ms': { type: 'string', default: '1500' },
    'close-timeout-ms': { type: 'string', default: '30000' },
    'rss-bound-pct': { type: 'string', default: '20' },
    'rss-bound-mb': { type: 'string', default: '30' },
    seed: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`usage: npx tsx scripts/soak.ts [--minutes N (default 5) | --seconds N] [--rate EL_PER_S (20000)]
  [--restarts K (default one per 90 s, at least 1)] [--down-ms MS (1500)] [--close-timeout-ms MS (30000)]
  [--rss-bound-pct P (20)] [--rss-bound-mb M (30)] [--seed S] [--keep (keep the NDJSON file)]`);
  process.exit(0);
}

function num(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (text === undefined || !Number.isFinite(n) || n < min) {
    console.error(`soak: --${name} must be a number ≥ ${min}, got ${text}`);
    process.exit(2);
  }
  return n;
}

const durationS =
  args.seconds !== undefined ? num('seconds', args.seconds, 1) : num('minutes', args.minutes ?? '5', 0.05) * 60;
const rate = num('rate', args.rate, 1);
const restarts =
  args.restarts !== undefined ? Math.floor(num('restarts', args.restarts, 0)) : Math.max(1, Math.floor(durationS / 90));
const downMs = num('down-ms', args['down-ms'], 0);
const closeTimeoutMs = num('close-timeout-ms', args['close-timeout-ms'], 0);
const rssBoundPct = num('rss-bound-pct', args['rss-bound-pct'], 0);
const rssBoundMb = num('rss-bound-mb', args['rss-bound-mb'], 0);
const seed = args.seed !== undefined ? num('seed', args.seed, 0) : Math.floor(Math.random() * 2 ** 32);
// Node's start-up and the first JIT-compiled paths grow the RSS at first: 20 % of the run, 3–60 s.
const warmupS = Math.min(60, Math.max(3, durationS * 0.2));

// The Influx sink: small batches sent often, so that every restart interrupts one; retries never
// give up (the close deadline bounds them), backoff short enough to see the server come back.
const INFLUX = {
  batchSize: 100,
  maxInFlight: 1,
  flushIntervalMs: 200,
  retry: { initialDelayMs: 50, maxDelayMs: 500, maxRetries: Number.POSITIVE_INFINITY },
};
const DB = 'soak';

const skip = vmSkipReason(); // throws under CI=true when the server is missing
if (skip !== false) {
  console.error(`soak: ${skip}`);
  process.exit(1);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'metrix-soak-'));
const ndjsonFile = path.join(tmp, 'aggregates.ndjson');
let keepTmp = args.keep;
// The VictoriaMetrics helper kills its servers by PID on exit and on SIGINT/SIGTERM/SIGHUP; the
// temporary file goes with them.
process.on('exit', () => {
  if (!keepTmp) rmSync(tmp, { recursive: true, force: true });
});
// The helper's own listener (registered first) kills the servers and raises the signal again, but
// under the tsx command a listener of tsx's keeps the process alive: end it here, as the signal would.
const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`soak: interrupted by ${signal}`);
    process.exit(SIGNAL_EXIT[signal]);
  });
}

let phase = 'starting VictoriaMetrics';
// Whatever hangs, the run ends with a message naming the phase, not silently.
const watchdog = setTimeout(
  () => {
    console.error(
      `soak: FAIL: watchdog: still ${phase} after ${((durationS * 1000 + closeTimeoutMs) / 1000 + 120).toFixed(0)} s`,
    );
    process.exit(1);
  },
  durationS * 1000 + closeTimeoutMs + 120_000,
);
watchdog.unref();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves on the stream's `'drain'`; rejects, naming it, when none comes within `ms`. */
async function drained(stream: MStream, ms = 120_000): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    await once(stream, 'drain', { signal: ac.signal });
  } catch (err) {
    if (ac.signal.aborted) throw new Error(`stream ${stream.name} did not drain within ${ms / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

const vm = await VictoriaMetrics.start();
const counting = new MSinkCounting();
const influx = new MSinkInflux({ url: vm.url, db: DB, ...INFLUX });
const ndjson = new MSinkNDJSON(createWriteStream(ndjsonFile));
const mc = new MCoordinator({ mstreams: SOAK_STREAMS.map((s) => s.make()), msinks: [counting, ndjson, influx] });
const sinkErrors: string[] = [];
mc.on('sinkError', (err: Error) => sinkErrors.push(err.message));
let cardinalityEvents = 0;
for (const s of mc.mstreams.values()) s.on('cardinalityLimit', () => cardinalityEvents++);

const sent = new Map<string, number>(SOAK_STREAMS.map((s) => [s.name, 0]));
const producer = { waits: 0, waitMs: 0, maxLagMs: 0 };
const startWall = Date.now();
const rss = sampleRss();

/** Sends at `rate` for the duration; behind schedule (backpressure) it catches up in bursts. */
async function produce(): Promise<void> {
  const random = prng(seed);
  const start = performance.now();
  const maxBurst = Math.max(1, Math.ceil(rate / 20));
  let k = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= durationS * 1000) break;
    const due = Math.floor((rate * elapsed) / 1000);
    producer.maxLagMs = Math.max(producer.maxLagMs, ((due - k) * 1000) / rate);
    for (let burst = 0; k < due && burst < maxBurst; burst++, k++) {
      const s = SOAK_STREAMS[k % SOAK_STREAMS.length]!;
      const j = Math.floor(k / SOAK_STREAMS.length);
      const { tags, value } = s.element(j, random);
      const time = s.timed ? startWall + Math.floor((k * 1000) / rate) : undefined;
      const more = mc.send(s.name, value, { tags, time });
      sent.set(s.name, sent.get(s.name)! + 1);
      if (!more) {
        producer.waits++;
        const t0 = performance.now();
        await drained(mc.mstreams.get(s.name)!);
        producer.waitMs += performance.now() - t0;
      }
    }
    await sleep(5);
  }
}

interface Restart {
  atS: number;
  stopMs: number;
  retries: number;
}
const restartLog: Restart[] = [];

/** Stops the server with SIGTERM `restarts` times, evenly spread, and starts it again `downMs` later. */
async function restartServer(): Promise<void> {
  for (let i = 1; i <= restarts; i++) {
    const at = startWall + (i * durationS * 1000) / (restarts + 1);
    await sleep(Math.max(0, at - Date.now()));
    const retriesBefore = influx.retryCount;
    const t0 = Date.now();
    await vm.stop('SIGTERM');
    const stopMs = Date.now() - t0;
    await sleep(downMs);
    await vm.restart();
    restartLog.push({ atS: (t0 - startWall) / 1000, stopMs, retries: influx.retryCount - retriesBefore });
  }
}

const checks: Check[] = [];
let closeError: unknown;
try {
  phase = 'producing';
  await Promise.all([produce(), restartServer()]);
  const producedS = (Date.now() - startWall) / 1000;
  rss.stop();
  phase = 'closing the coordinator';
  const closeStart = Date.now();
  try {
    await mc.close({ timeoutMs: closeTimeoutMs });
  } catch (err) {
    closeError = err;
  }
  const closeMs = Date.now() - closeStart;
  const stats = mc.stats();
  const total = [...sent.values()].reduce((a, b) => a + b, 0);

  console.log(
    `soak: ${producedS.toFixed(1)} s at ${rate} el/s (seed ${seed}), ${SOAK_STREAMS.length} streams, 3 sinks, ` +
      `${restarts} VictoriaMetrics restart(s) of ${downMs} ms`,
  );
  console.log(
    `  sent ${total} elements (${[...sent].map(([n, c]) => `${n} ${c}`).join(', ')}): ${(total / producedS).toFixed(0)} el/s; ` +
      `backpressure: ${producer.waits} waits for 'drain', ${(producer.waitMs / 1000).toFixed(1)} s in all, ` +
      `largest lag behind schedule ${(producer.maxLagMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `  ${stats.elementsOut} aggregates; sinks: ${stats.sinks.map((s) => `${s.label} ${s.state} ${s.out}/${s.in}`).join(', ')}; ` +
      `Influx: ${influx.sentCount} acknowledged, ${influx.retryCount} retries; overflowed ${stats.byStream.sessions?.overflowed} values ` +
      `(${cardinalityEvents} cardinality-limit events); close took ${closeMs} ms`,
  );
  for (const r of restartLog) {
    console.log(`  restart at ${r.atS.toFixed(1)} s: SIGTERM took ${r.stopMs} ms, ${r.retries} retries while down`);
  }

  const closeText =
    closeError === undefined
      ? `resolved in ${closeMs} ms`
      : `${MetrixError.is(closeError) ? closeError.code : 'error'}: ${(closeError as Error).message}`;
  checks.push({
    name: 'close({ timeoutMs })',
    ok: closeError === undefined && sinkErrors.length === 0,
    text: closeText + (sinkErrors.length > 0 ? `; sink errors: ${sinkErrors.join(' | ')}` : ''),
  });

  // (a) the counts: the reference's count aggregates add up to what was sent, stream by stream.
  const mismatches = [...sent].filter(
    ([name, n]) => counting.countSums.get(name) !== n || stats.byStream[name]?.in !== n,
  );
  checks.push({
    name: '(a) Σ count = elements sent, per stream',
    ok: mismatches.length === 0,
    text:
      mismatches.length === 0
        ? [...sent].map(([name, n]) => `${name} ${n}`).join(', ')
        : mismatches
            .map(
              ([name, n]) =>
                `${name}: sent ${n}, Σ count ${counting.countSums.get(name)}, stream in ${stats.byStream[name]?.in}`,
            )
            .join('; '),
  });

  phase = 'reading the NDJSON file';
  const digest = counting.digest();
  const ndjsonCheck = await checkNdjson(ndjsonFile, { received: counting.received, digest });
  checks.push(ndjsonCheck);

  phase = 'reading VictoriaMetrics back';
  // README, "At-least-once": a VictoriaMetrics stopped with SIGTERM may store a request and close
  // the connection without answering it, so the sink resends that batch: at most the batches in
  // flight (maxInFlight × batchSize) stored twice per restart, as the restart tests allow.
  const allowed = restarts * INFLUX.maxInFlight * INFLUX.batchSize;
  const allowance = `${allowed} = ${restarts} restart(s) × ${INFLUX.maxInFlight} batch in flight × ${INFLUX.batchSize}`;
  checks.push(
    await checkVictoriaMetrics(vm, ndjsonFile, DB, startWall - 120_000, Date.now() + 120_000, allowed, allowance),
  );

  checks.push({
    name: '(d) RSS flat',
    ...rssVerdict(rss.samples, warmupS, durationS, rssBoundPct, rssBoundMb),
  });
  checks.push({
    name: '(e) each restart interrupted delivery',
    ok: restartLog.length === restarts && restartLog.every((r) => r.retries > 0),
    text: `${restartLog.length} of ${restarts} restarts done; retries while down: ${restartLog.map((r) => r.retries).join(', ') || '-'}`,
  });
} catch (err) {
  checks.push({ name: `no error while ${phase}`, ok: false, text: (err as Error).stack ?? String(err) });
} finally {
  rss.stop();
  // After a failure the coordinator may still hold timers and a sink retrying: let nothing linger.
  if (!mc.destroyed) mc.destroy();
  phase = 'stopping VictoriaMetrics';
  await vm.stop('SIGTERM');
  await vm.cleanup();
}

for (const c of checks) console.log(`  [${c.ok ? 'PASS' : 'FAIL'}] ${c.name}: ${c.text}`);
const ok = checks.every((c) => c.ok);
if (!ok) keepTmp = true;
if (keepTmp) console.log(`  NDJSON file kept: ${ndjsonFile}`);
console.log(`soak: ${ok ? 'PASS' : 'FAIL'}`);
// Exit now rather than when the loop empties: after a failure a restart may still be pending.
process.exit(ok ? 0 : 1);
