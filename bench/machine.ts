import os from 'node:os';

/** One line naming the machine the figures come from. */
export function describeMachine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const gib = (os.totalmem() / 2 ** 30).toFixed(0);
  return `${model}, ${cpus.length} cores, ${gib} GiB, Node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.release()}`;
}

/** The 1-minute load average, as a hint of how busy the shared machine was. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Nanoseconds one `Date.now()` takes here (best of 5 runs of 1e6 calls): every element that is
 * sent without a time reads the clock once. */
export function clockCost(): number {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1_000_000; i++) sink += Date.now();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return sink > 0 ? best : best;
}
