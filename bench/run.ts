// `npm run bench [-- --n=1000000 --passes=3 --rounds=3 --warmup=2]`: elements/second through
// MStream.send() and Readable.from(source).pipe(mstream), beside their two limits, in one run.
// Not a test: it prints the machine, a table and whether the targets are met; it exits 1
// only if a path returns a wrong output count (a broken stream must not look fast).
//
// Each group of cases — a path and its limit — runs in its own child process (fresh V8: no
// other path's garbage or type feedback slows it, as in a program that does only that), their
// runs alternating, so that a path and its limit are timed under the same load from others on
// this shared machine and their ratio is taken run by run. The groups run in turn, `passes`
// times over. Figures are medians over all timed runs.
import { spawn } from 'node:child_process';
import { type Case, cases, type PathName, scenarios } from './cases.js';
import { clockCost, describeMachine, loadAverage } from './machine.js';
import { measureGroup, type Rates } from './measure.js';
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
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const fmt = (elPerSec: number) => `${(elPerSec / 1e6).toFixed(2)} M`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const groups = [...new Set(cases.map((c) => c.group))];

/** Runs one group in a child process (this same script, with the same loader flags). */
function inChild(group: string, n: number, warmup: number, rounds: number): Promise<Record<string, Rates>> {
  return new Promise((resolve, reject) => {
    const args = [...process.execArgv, process.argv[1] as string, `--group=${group}`, `--n=${n}`];
    const child = spawn(process.execPath, [...args, `--warmup=${warmup}`, `--rounds=${rounds}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Record<string, Rates>);
      else reject(new Error(`group ${group} exited with ${code}`));
    });
  });
}

async function child(group: string): Promise<void> {
  const mine = cases.filter((c) => c.group === group);
  if (mine.length === 0) throw new Error(`no group ${group}`);
  const rates = await measureGroup(mine, arg('n', 1_000_000), arg('warmup', 2), arg('rounds', 3));
  process.stdout.write(JSON.stringify(rates));
}

async function main(): Promise<void> {
  const n = arg('n', 1_000_000);
  const passes = arg('passes', 3);
  const rounds = arg('rounds', 3);
  const warmup = arg('warmup', 2);
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `n = ${n} elements per run, batchSize ${BATCH_SIZE}; each path beside its limit in its own process, ` +
      `${passes} passes × (${warmup} warm-up + ${rounds} timed runs); medians over the ${passes * rounds} timed runs`,
  );
  console.log(`load average (1, 5, 15 min) at start: ${loadAverage()}`);
  console.log(`Date.now() costs ${clockCost().toFixed(1)} ns a call here (send() reads it once per element)`);

  const rates = new Map<string, Rates>(cases.map((c) => [c.id, { wall: [], cpu: [] }]));
  for (let p = 0; p < passes; p++) {
    for (const group of groups) {
      const got = await inChild(group, n, warmup, rounds);
      for (const [id, r] of Object.entries(got)) {
        const all = rates.get(id) as Rates;
        all.wall.push(...r.wall);
        all.cpu.push(...r.cpu);
      }
    }
  }

  /** Median of the run-by-run ratios of two cases timed in the same processes and rounds. */
  const pairedRatio = (a: Case, b: Case) => {
    const x = (rates.get(a.id) as Rates).wall;
    const y = (rates.get(b.id) as Rates).wall;
    return median(x.map((v, i) => v / (y[i] as number)));
  };

  const rows: string[][] = [
    ['scenario', 'path', 'median el/s', 'min – max el/s', 'el/CPU-s', 'vs limit (run by run)', 'target', 'met'],
  ];
  for (const s of scenarios) {
    const mine = cases.filter((c) => c.scenario === s);
    const of = (path: PathName) => mine.find((c) => c.path === path) as Case;
    // send() is compared with the faster hand loop: the more demanding limit.
    const loops = mine.filter((c) => c.path.startsWith('hand loop'));
    const loop = loops.reduce((best, c) =>
      median((rates.get(c.id) as Rates).wall) > median((rates.get(best.id) as Rates).wall) ? c : best,
    );
    for (const c of mine) {
      const r = rates.get(c.id) as Rates;
      const med = median(r.wall);
      let vs = '';
      let goal = '';
      let met = '';
      if (c.path === 'send()') {
        vs = `${pct(pairedRatio(c, loop))} of ${loop.path}`;
        goal = `≥ ${fmt(s.sendTarget)}`;
        met = med >= s.sendTarget ? 'yes' : 'NO';
      } else if (c.path === 'pipe(mstream)') {
        const share = pairedRatio(c, of('transport floor'));
        vs = `${pct(share)} of floor`;
        goal = `≥ ${pct(s.pipedShare)} of floor`;
        met = share >= s.pipedShare ? 'yes' : 'NO';
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
    'el/CPU-s: elements per second of this process’s CPU time (GC threads included), less sensitive than ' +
      'wall time to other processes. vs limit: median of the ratios of runs timed side by side.',
  );
}

const only = process.argv.find((a) => a.startsWith('--group='))?.slice('--group='.length);
(only === undefined ? main() : child(only)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
