// `npm run bench [-- --n=1000000 --passes=3 --rounds=3 --warmup=2]`: elements/second through
// MStream.send() and Readable.from(source).pipe(mstream), beside their two limits, in one run.
// Not a test: it prints the machine, a table and whether the targets are met; it exits 1
// only if a path returns a wrong output count (a broken stream must not look fast).
//
// Each case runs in its own child process (fresh V8: no case's garbage, heap or type feedback
// slows another, as in a program that does only that), and the cases run in turn, `passes`
// times over, so that a burst of load from others on this shared machine slows one pass of
// each case rather than every round of one. Figures are medians over all timed rounds.
import { spawn } from 'node:child_process';
import { type Case, cases, type PathName, scenarios } from './cases.js';
import { clockCost, describeMachine, loadAverage } from './machine.js';
import { measure, type Rates } from './measure.js';
import { BATCH_SIZE } from './workload.js';

function arg(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const raw =
    process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? process.env[`BENCH_${name.toUpperCase()}`];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return value;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const fmt = (elPerSec: number) => `${(elPerSec / 1e6).toFixed(2)} M`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** Runs one case in a child process (this same script, with the same loader flags). */
function inChild(c: Case, n: number, warmup: number, rounds: number): Promise<Rates> {
  return new Promise((resolve, reject) => {
    const args = [...process.execArgv, process.argv[1] as string, `--case=${c.id}`, `--n=${n}`];
    const child = spawn(process.execPath, [...args, `--warmup=${warmup}`, `--rounds=${rounds}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Rates);
      else reject(new Error(`case ${c.id} exited with ${code}`));
    });
  });
}

async function child(id: string): Promise<void> {
  const c = cases.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no case ${id}`);
  const rates = await measure(c, arg('n', 1_000_000), arg('warmup', 2), arg('rounds', 3));
  process.stdout.write(JSON.stringify(rates));
}

async function main(): Promise<void> {
  const n = arg('n', 1_000_000);
  const passes = arg('passes', 3);
  const rounds = arg('rounds', 3);
  const warmup = arg('warmup', 2);
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `n = ${n} elements per run, batchSize ${BATCH_SIZE}; each case in its own process, ${passes} passes × ` +
      `(${warmup} warm-up + ${rounds} timed runs); medians over the ${passes * rounds} timed runs`,
  );
  console.log(`load average (1, 5, 15 min) at start: ${loadAverage()}`);
  console.log(`Date.now() costs ${clockCost().toFixed(1)} ns a call here (send() reads it once per element)`);

  const rates = new Map<string, Rates>(cases.map((c) => [c.id, { wall: [], cpu: [] }]));
  for (let p = 0; p < passes; p++) {
    for (const c of cases) {
      const got = await inChild(c, n, warmup, rounds);
      const all = rates.get(c.id) as Rates;
      all.wall.push(...got.wall);
      all.cpu.push(...got.cpu);
    }
  }

  const rows: string[][] = [
    ['scenario', 'path', 'median el/s', 'min – max el/s', 'el/CPU-s', 'vs limit', 'target', 'met'],
  ];
  for (const s of scenarios) {
    const mine = cases.filter((c) => c.scenario === s);
    const wall = (path: PathName) => median(rates.get(mine.find((c) => c.path === path)?.id ?? '')?.wall ?? [0]);
    // send() is compared with the faster hand loop: the more demanding limit.
    const loop = Math.max(...mine.filter((c) => c.path.startsWith('hand loop')).map((c) => wall(c.path)));
    const floor = wall('transport floor');
    for (const c of mine) {
      const r = rates.get(c.id) as Rates;
      const med = median(r.wall);
      let vs = '';
      let goal = '';
      let met = '';
      if (c.path === 'send()') {
        vs = `${pct(med / loop)} of best loop`;
        goal = `≥ ${fmt(s.sendTarget)}`;
        met = med >= s.sendTarget ? 'yes' : 'NO';
      } else if (c.path === 'pipe(mstream)') {
        vs = `${pct(med / floor)} of floor`;
        goal = `≥ ${pct(s.pipedShare)} of floor`;
        met = med / floor >= s.pipedShare ? 'yes' : 'NO';
      }
      const range = `${fmt(Math.min(...r.wall))} – ${fmt(Math.max(...r.wall))}`;
      rows.push([s.label, c.path, fmt(med), range, fmt(median(r.cpu)), vs, goal, met]);
    }
  }
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((row) => (row[c] as string).length)));
  for (const [i, row] of rows.entries()) {
    console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c] as number)).join(' | ')} |`);
    if (i === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  }
  console.log(`load average (1, 5, 15 min) at end: ${loadAverage()}`);
  console.log(
    'el/CPU-s: elements per second of this process’s CPU time (GC threads included), less ' +
      'sensitive than wall time to other processes on the machine.',
  );
}

const only = process.argv.find((a) => a.startsWith('--case='))?.slice('--case='.length);
(only === undefined ? main() : child(only)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
