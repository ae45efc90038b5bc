// Every program in examples/ runs to completion, so that none can rot.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const dir = fileURLToPath(new URL('../examples/', import.meta.url));
const examples = readdirSync(dir).filter((f) => f.endsWith('.ts'));

t.test('examples: there are examples', async (t) => {
  t.ok(examples.includes('quickstart.ts'));
});

for (const file of examples) {
  t.test(`examples: ${file} runs to completion`, async (t) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${dir}${file}`], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    t.equal(code, 0, `exit code 0 (stderr: ${stderr.slice(-500)})`);
    t.ok(stdout.length > 0, 'it printed something');
  });
}
