// Times one case in this process: warm-up runs, then timed runs, each checked.
import type { Case } from './cases.js';

/** Elements per second of each timed run, by wall clock and by this process's CPU time. */
export interface Rates {
  readonly wall: number[];
  readonly cpu: number[];
}

/**
 * Runs `c` on a fresh workload of `n` elements `warmup` times untimed, then `rounds` times timed.
 * @throws Error when a run returns another count than expected (a broken path must not look fast).
 */
export async function measure(c: Case, n: number, warmup: number, rounds: number): Promise<Rates> {
  const w = c.scenario.make(n);
  const expected = c.expected(w);
  const rates: Rates = { wall: [], cpu: [] };
  for (let r = 0; r < warmup + rounds; r++) {
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    const got = await c.run(w);
    const ns = Number(process.hrtime.bigint() - start);
    const cpu = process.cpuUsage(cpu0);
    if (got !== expected) throw new Error(`${c.id}: a run returned ${got}, expected ${expected}`);
    if (r >= warmup) {
      rates.wall.push((n / ns) * 1e9);
      rates.cpu.push((n / (cpu.user + cpu.system)) * 1e6);
    }
  }
  return rates;
}
