// How a throughput question is timed: each group of cases (a path and its baselines) in its own
// child process — a fresh V8, so that no other path's garbage or type feedback slows it, as in a
// program that does only that — their runs alternating, so that a path and its baseline see the
// same load from others on this shared machine and their ratio is taken run by run.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from './report.js';
import { intArg, type Settings } from './settings.js';

/** One thing to time: a run over `n` elements, and what it must return. */
export interface TimedCase {
  readonly id: string;
  readonly run: () => number | Promise<number>;
  /** What a run must return (outputs, elements, series): a broken path must not look fast. */
  readonly expected: number;
}

/** Builds the cases of one group for `n` elements (workloads built here, before any timing). */
export type GroupFactory = (n: number) => readonly TimedCase[];

/** Elements per second of each timed run, by wall clock and by this process's CPU time. */
export interface Rates {
  readonly wall: number[];
  readonly cpu: number[];
}

/**
 * Times `cases` on `n` elements: `warmup` untimed rounds, then `rounds` timed ones, each round
 * running every case once (in reverse order every other round, so no case always follows
 * another). Index `r` of every case's rates comes from the same round.
 * @throws Error when a run returns another count than expected.
 */
export async function timeCases(
  cases: readonly TimedCase[],
  n: number,
  warmup: number,
  rounds: number,
): Promise<Record<string, Rates>> {
  const rates: Record<string, Rates> = {};
  for (const c of cases) rates[c.id] = { wall: [], cpu: [] };
  for (let r = 0; r < warmup + rounds; r++) {
    for (const c of r % 2 === 0 ? cases : [...cases].reverse()) {
      const cpu0 = process.cpuUsage();
      const start = process.hrtime.bigint();
      const got = await c.run();
      const ns = Number(process.hrtime.bigint() - start);
      const cpu = process.cpuUsage(cpu0);
      if (got !== c.expected) throw new Error(`${c.id}: a run returned ${got}, expected ${c.expected}`);
      if (r >= warmup) {
        const mine = rates[c.id] as Rates;
        mine.wall.push((n / ns) * 1e9);
        mine.cpu.push((n / (cpu.user + cpu.system)) * 1e6);
      }
    }
  }
  return rates;
}

const CHILD_FLAG = '--bench-group=';

/**
 * Runs each of `groups` of the question file `moduleUrl` in a child process (this same Node with
 * the same loader flags, so tsx compiles it), `settings.passes` times over, and merges their rates
 * by `<group>.<case id>`.
 */
export async function timeGroups(
  moduleUrl: string,
  groups: readonly string[],
  n: number,
  settings: Settings,
): Promise<Map<string, Rates>> {
  const all = new Map<string, Rates>();
  for (let p = 0; p < settings.passes; p++) {
    for (const group of groups) {
      const args = [`${CHILD_FLAG}${group}`, `--n=${n}`, `--warmup=${settings.warmup}`, `--rounds=${settings.rounds}`];
      const got = JSON.parse(await runChild(moduleUrl, args)) as Record<string, Rates>;
      for (const [id, r] of Object.entries(got)) {
        const mine = all.get(`${group}.${id}`) ?? { wall: [], cpu: [] };
        mine.wall.push(...r.wall);
        mine.cpu.push(...r.cpu);
        all.set(`${group}.${id}`, mine);
      }
    }
  }
  return all;
}

/** Runs the question file `moduleUrl` as a child with `args`; resolves with its stdout. */
export function runChild(moduleUrl: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(moduleUrl), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${fileURLToPath(moduleUrl)} ${args.join(' ')} exited with ${signal ?? code}`));
    });
  });
}

/** Whether this process was started to run the file `moduleUrl` as a child (see {@link runChild}). */
export function isChildOf(moduleUrl: string): boolean {
  const main = process.argv[1];
  return main !== undefined && realpathSync(main) === realpathSync(fileURLToPath(moduleUrl));
}

/**
 * The child side of {@link timeGroups}: builds the group named on the command line, times it,
 * writes the rates as JSON on stdout. Exits 1 with the error on stderr if a run is wrong.
 */
export function serveGroup(factories: Readonly<Record<string, GroupFactory>>): void {
  const argv = process.argv;
  const name = argv.find((a) => a.startsWith(CHILD_FLAG))?.slice(CHILD_FLAG.length) ?? '';
  const factory = factories[name];
  const run = async () => {
    if (factory === undefined) throw new Error(`no group "${name}" (groups: ${Object.keys(factories).join(', ')})`);
    const n = intArg(argv, 'n', 0);
    const rates = await timeCases(factory(n), n, intArg(argv, 'warmup', 1), intArg(argv, 'rounds', 1));
    process.stdout.write(JSON.stringify(rates));
  };
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

/** Median wall rate of a case. */
export function medianRate(rates: ReadonlyMap<string, Rates>, id: string): number {
  return median(rates.get(id)?.wall ?? []);
}

/** Median of the run-by-run ratios of two cases timed in the same processes and rounds: `a / b`. */
export function pairedRatio(rates: ReadonlyMap<string, Rates>, a: string, b: string): number {
  const x = rates.get(a)?.wall ?? [];
  const y = rates.get(b)?.wall ?? [];
  return median(x.map((v, i) => v / (y[i] as number)));
}
