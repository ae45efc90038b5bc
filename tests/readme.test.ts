// The README is the contract's front page: it must list every error code and start with the two
// commands (set-up + main job, and the tests).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ErrorCode } from '../src/MetrixError.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('README: lists every error code', async (t) => {
  for (const code of Object.values(ErrorCode)) t.match(readme, `\`${code}\``, code);
});

t.test('README: opens with the main-job and test commands', async (t) => {
  const head = readme.split('\n').slice(0, 8).join('\n');
  t.match(head, /npm ci && npm run main/);
  t.match(head, /npm test/);
});
