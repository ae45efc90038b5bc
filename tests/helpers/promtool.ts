// promtool (Debian's `prometheus` package) lints a Prometheus text exposition.
import { spawn, spawnSync } from 'node:child_process';

/** `false` when promtool runs, else why the promtool tests skip (thrown under CI=true, where it is required). */
export function promtoolSkip(): string | false {
  if (spawnSync('promtool', ['--version']).error === undefined) return false;
  const reason = 'promtool not installed: apt-get install -y --no-install-recommends prometheus';
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: required)`);
  return reason;
}

/** Runs `promtool check metrics` on the text: its exit code (0 clean, 3 lint findings, 1 unparsable) and output. */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
