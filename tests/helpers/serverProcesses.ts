// What the real-server helpers (VictoriaMetrics, nats-server) start, tracked in one place so that
// a test process that ends with a server still running — normally, or killed by the runner's
// timeout — does not leave it or its data directory behind (children outlive their parent on Linux).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

const running = new Set<ChildProcess>();
const dirs = new Set<string>();

/** Tracks a started server process until it exits. */
export function trackProcess(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Tracks a temporary data directory, removed at exit unless {@link untrackDir} was called. */
export function trackDir(dir: string): void {
  dirs.add(dir);
}

/** Stops tracking a directory (its owner removed it). */
export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

function killRunning(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}

process.on('exit', killRunning);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killRunning();
    // The listener is gone now: the signal's default action ends the process as it would have.
    process.kill(process.pid, signal);
  });
}
