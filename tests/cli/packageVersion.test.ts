import { readFileSync } from 'node:fs';
import t from 'tap';
import { packageVersion } from '../../src/cli/packageVersion.js';

t.test('packageVersion: the version of package.json', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  t.equal(packageVersion(), pkg.version);
});
