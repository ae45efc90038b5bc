import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../fixtures/tsdb-sink-exit.ts', import.meta.url));

/**
 * Runs tests/fixtures/tsdb-sink-exit.ts with `args` and resolves with its exit code, its output
 * and `lingerMs`: how long it lived after printing its last line (the sink's outcome). A program
 * still running after 60 s is killed and reported with code `null`: something kept it alive.
 */
export function runExitFixture(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; lingerMs: number }> {
  let lastOutput = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    lastOutput = Date.now();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, lingerMs: Date.now() - lastOutput });
    });
  });
}
