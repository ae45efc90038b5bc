// `npm run bench [-- --n=1000000 --rounds=7]`: elements/second through MStream.send() and through
// Readable.from(source).pipe(mstream), beside their two limits, in one run. Not a test: it
// prints a table and whether the targets are met; it exits 1 only if an output count is
// wrong (a broken stream must not look fast).
import { runHandLoop, runHandLoopCachedKeys, runTransportFloor } from './baselines.js';
import { describeMachine, loadAverage } from './machine.js';
import { runPiped } from './piped.js';
import { runSend } from './send.js';
import { BATCH_SIZE, makeWorkloads, type Workload } from './workload.js';

interface Measurement {
  readonly workload: Workload;
  readonly path: 'send()' | 'hand loop' | 'hand loop, keys cached' | 'pipe(mstream)' | 'transport floor';
  readonly run: (w: Workload) => number | Promise<number>;
  /** What the run must return: outputs for the stream paths and the loop, elements for the floor. */
  readonly expected: number;
  readonly rates: number[];
}

function arg(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const raw =
    process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? process.env[`BENCH_${name.toUpperCase()}`];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return value;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const fmt = (elPerSec: number) => `${(elPerSec / 1e6).toFixed(2)} M`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

async function main(): Promise<void> {
  const n = arg('n', 1_000_000);
  const rounds = arg('rounds', 7);
  const warmup = arg('warmup', 2);
  console.log(`machine: ${describeMachine()}`);
  console.log(`n = ${n} elements per run, batchSize ${BATCH_SIZE}, ${warmup} warm-up + ${rounds} timed rounds`);
  console.log(`load average at start: ${loadAverage()}`);

  const measurements: Measurement[] = [];
  for (const w of makeWorkloads(n)) {
    measurements.push(
      { workload: w, path: 'send()', run: runSend, expected: w.expectedOutputs, rates: [] },
      { workload: w, path: 'hand loop', run: (x) => runHandLoop(x), expected: w.expectedOutputs, rates: [] },
      ...(w.tags === undefined
        ? []
        : [
            {
              workload: w,
              path: 'hand loop, keys cached' as const,
              run: runHandLoopCachedKeys,
              expected: w.expectedOutputs,
              rates: [],
            },
          ]),
      { workload: w, path: 'pipe(mstream)', run: runPiped, expected: w.expectedOutputs, rates: [] },
      { workload: w, path: 'transport floor', run: runTransportFloor, expected: n, rates: [] },
    );
  }

  // Rounds go round-robin over every measurement, so that a burst of load from another process
  // on this shared machine slows one round of each rather than all rounds of one.
  for (let r = 0; r < warmup + rounds; r++) {
    for (const m of measurements) {
      const start = process.hrtime.bigint();
      const got = await m.run(m.workload);
      const ns = Number(process.hrtime.bigint() - start);
      if (got !== m.expected) {
        console.error(`${m.workload.label} / ${m.path}: returned ${got}, expected ${m.expected}`);
        process.exit(1);
      }
      if (r >= warmup) m.rates.push((n / ns) * 1e9);
    }
  }

  const targets: Record<string, { send: number; pipedShare: number }> = {
    'no tags, [sum]': { send: 25e6, pipedShare: 0.4 },
    '100 tag sets, [sum,max,mean]': { send: 6e6, pipedShare: 0.25 },
  };
  const rows: string[][] = [['scenario', 'path', 'median el/s', 'min–max el/s', 'spread', 'vs limit', 'target', 'met']];
  for (const w of new Set(measurements.map((m) => m.workload))) {
    const mine = measurements.filter((m) => m.workload === w);
    const of = (path: Measurement['path']) => mine.find((m) => m.path === path);
    const target = targets[w.label] as { send: number; pipedShare: number };
    // send() is compared with the faster hand loop: the more demanding limit.
    const loop = Math.max(...mine.filter((m) => m.path.startsWith('hand loop')).map((m) => median(m.rates)));
    const floor = median((of('transport floor') as Measurement).rates);
    for (const m of mine) {
      const med = median(m.rates);
      const lo = Math.min(...m.rates);
      const hi = Math.max(...m.rates);
      let vs = '';
      let goal = '';
      let met = '';
      if (m.path === 'send()') {
        vs = `${pct(med / loop)} of best loop`;
        goal = `≥ ${fmt(target.send)}`;
        met = med >= target.send ? 'yes' : 'NO';
      } else if (m.path === 'pipe(mstream)') {
        vs = `${pct(med / floor)} of floor`;
        goal = `≥ ${pct(target.pipedShare)} of floor`;
        met = med / floor >= target.pipedShare ? 'yes' : 'NO';
      }
      rows.push([w.label, m.path, fmt(med), `${fmt(lo)} – ${fmt(hi)}`, `±${pct((hi - lo) / 2 / med)}`, vs, goal, met]);
    }
  }
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((row) => (row[c] as string).length)));
  for (const [i, row] of rows.entries()) {
    console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c] as number)).join(' | ')} |`);
    if (i === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  }
  console.log(`load average at end: ${loadAverage()}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
