// The NATS clients are optional peer dependencies: the main entry must never load them, and the
// distribution tier has its own entry in the package's exports.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every module `entry` imports, transitively (relative imports followed, packages listed). */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(path.join(root, entry));
  return { files, packages };
}

t.test('distribution: the main entry never imports the NATS clients; the distribution entry does', async (t) => {
  const main = importGraph('src/index.ts');
  t.ok(main.files.size > 30, `the graph was followed (${main.files.size} modules)`);
  t.same(
    [...main.packages].filter((p) => p.startsWith('@nats-io/')),
    [],
  );
  t.notOk(
    [...main.files].some((f) => f.includes(`${path.sep}distribution${path.sep}`)),
    'no module of src/distribution/ reached',
  );
  const dist = importGraph('src/distribution/index.ts');
  t.ok(dist.packages.has('@nats-io/jetstream'));
});

t.test('distribution: its own subpath export', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  t.same(pkg.exports['./distribution'], {
    types: './dist/src/distribution/index.d.ts',
    default: './dist/src/distribution/index.js',
  });
  t.ok(pkg.peerDependenciesMeta['@nats-io/jetstream'].optional);
});
