// Times the cases of one group in this process: warm-up runs, then timed runs, each checked.
import type { Case } from './cases.js';

/** Elements per second of each timed run, by wall clock and by this process's CPU time. */
export interface Rates {
  readonly wall: number[];
  readonly cpu: number[];
}

/**
 * Runs the cases of one group (all of one scenario) on one workload of `n` elements: `warmup`
 * untimed rounds, then `rounds` timed ones, each round running every case once, in turn (in
 * reverse order every other round, so that no case always runs right after another).
 * @returns each case's rates, by case id, index `r` of every case from the same round.
 * @throws Error when a run returns another count than expected (a broken path must not look fast).
 */
export async function measureGroup(
  group: readonly Case[],
  n: number,
  warmup: number,
  rounds: number,
): Promise<Record<string, Rates>> {
  const w = (group[0] as Case).scenario.make(n);
  const rates: Record<string, Rates> = {};
  for (const c of group) rates[c.id] = { wall: [], cpu: [] };
  for (let r = 0; r < warmup + rounds; r++) {
    for (const c of r % 2 === 0 ? group : [...group].reverse()) {
      const expected = c.expected(w);
      const cpu0 = process.cpuUsage();
      const start = process.hrtime.bigint();
      const got = await c.run(w);
      const ns = Number(process.hrtime.bigint() - start);
      const cpu = process.cpuUsage(cpu0);
      if (got !== expected) throw new Error(`${c.id}: a run returned ${got}, expected ${expected}`);
      if (r >= warmup) {
        const mine = rates[c.id] as Rates;
        mine.wall.push((n / ns) * 1e9);
        mine.cpu.push((n / (cpu.user + cpu.system)) * 1e6);
      }
    }
  }
  return rates;
}
