// Runs tap and closes with the plain line CI counts: "N passed, N failed".
// tap's own closing line (`# { total, pass, fail }`) is not read by CI, so it is parsed here.
import { spawn } from 'node:child_process';

const args = ['tap', ...process.argv.slice(2)];
const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on('close', (code, signal) => {
  const plain = tail.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  const summary = plain.match(/#\s*\{\s*total:\s*(\d+),\s*pass:\s*(\d+)(?:,\s*fail:\s*(\d+))?/);
  const passed = summary ? Number(summary[2]) : 0;
  const failed = summary ? Number(summary[3] ?? 0) : 0;
  const exitCode = code ?? 1;
  // A non-zero exit without failed assertions (a crash, a timeout) still counts as a failure.
  console.log(`tests: ${passed} passed, ${failed || (exitCode !== 0 ? 1 : 0)} failed`);
  if (signal) console.error(`tap ended by ${signal}`);
  process.exit(exitCode);
});
