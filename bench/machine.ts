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
