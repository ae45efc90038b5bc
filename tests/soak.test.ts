// The short soak: scripts/soak.ts for 20 s of input with one VictoriaMetrics restart, as a child
// process; it checks its own counts, files, database and RSS and exits 0 only when all hold. The
// counts are exact whatever the rate the machine reaches; only the duration is wall time.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { vmSkipReason } from './helpers/victoriaMetrics.js';

// tsconfig.json covers src, tests, examples and bench, not scripts: this type-only import (erased at
// run time, so the script does not run here) makes `npm run typecheck` check the soak script too.
export type * as soakScript from '../scripts/soak.js';

const skip = vmSkipReason(); // under CI=true a missing server throws: a failure, not a skip
const root = fileURLToPath(new URL('..', import.meta.url));

t.test(
  'soak: 20 s through a coordinator with a restarting VictoriaMetrics: counts match, RSS flat',
  { skip },
  async (t) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/soak.ts', '--seconds', '20', '--restarts', '1', '--rate', '10000'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // The script has its own watchdog; this one only guards against a child that never starts.
    const timer = setTimeout(() => child.kill('SIGTERM'), 100_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    t.comment(stdout.trim());
    if (code !== 0) t.comment(`stderr:\n${stderr.slice(-3000)}`);
    t.equal(code, 0, 'the soak exits 0 (its summary is above)');
    t.match(stdout, /^soak: PASS$/m, 'the soak says PASS');
  },
);
