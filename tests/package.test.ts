// The package as users install it: built afresh into a temporary folder (src, package.json,
// LICENSE, README and the tsconfigs copied, node_modules linked), then
// - `npm pack --dry-run` lists LICENSE and every source that a shipped source map names;
// - a TypeScript CommonJS project compiles against it with `module: node20`, `nodenext` and
//   `commonjs` (require(esm), Node 20.19+) and runs; `module: node16` is refused with TS1479,
//   while its documented way out (`await import()`) compiles and runs.
// Nothing is fetched: the project's own node_modules serve both.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');

const work = mkdtempSync(join(tmpdir(), 'metrix-package-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const pkg = join(work, 'metrix-stream');
mkdirSync(pkg);
for (const f of ['src', 'package.json', 'LICENSE', 'README.md', 'tsconfig.json', 'tsconfig.build.json']) {
  cpSync(join(root, f), join(pkg, f), { recursive: true });
}
symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
// Type errors are the type-check's business: this only needs what tsc emits.
await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: pkg }).catch(() => undefined);

t.test('package: LICENSE is shipped, and every source map names a shipped source', async (t) => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg });
  const files = new Set((JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path));
  t.ok(files.has('LICENSE'), 'LICENSE');
  t.match(
    readFileSync(join(root, 'LICENSE'), 'utf8'),
    /^MIT License\n\nCopyright \(c\) \d{4} metrix-stream contributors\n/,
  );
  const maps = [...files].filter((f) => f.endsWith('.map'));
  t.ok(maps.includes('dist/src/index.js.map') && maps.includes('dist/src/index.d.ts.map'), 'maps are shipped');
  const missing: string[] = [];
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(join(pkg, map), 'utf8')) as { sources: string[] };
    for (const s of sources) {
      const target = normalize(join(dirname(map), s));
      if (!files.has(target)) missing.push(`${map} → ${target}`);
    }
  }
  t.same(missing, [], 'no source map points at a file the package lacks');
});

const program = `import { MCoordinator, MStream, mean, type MElement } from 'metrix-stream';
async function main(): Promise<void> {
  const seen: MElement[] = [];
  const mc = new MCoordinator({
    mstreams: [new MStream('latency', { agg: mean, batchSize: 2 })],
    msinks: [(el: MElement) => { seen.push(el); }],
  });
  mc.send('latency', 10);
  mc.send('latency', 20);
  await mc.close();
  console.log(seen.map((e) => e.name + '=' + e.value).join(','));
}
void main();
`;
const dynamicImport = `import type { MElement } from 'metrix-stream' with { 'resolution-mode': 'import' };
async function main(): Promise<void> {
  const { MStream, sum } = await import('metrix-stream');
  const seen: MElement[] = [];
  const s = new MStream('hits', { agg: sum, batchSize: 2 });
  s.on('data', (el: MElement) => seen.push(el));
  s.send(1);
  s.send(2);
  await s.close();
  console.log(seen.map((e) => e.name + '=' + e.value).join(','));
}
void main();
`;

/** A CommonJS project (`"type": "commonjs"`) with one file, compiled with `module`; tsc's result and node's output. */
async function cjsProject(module: string, source: string): Promise<{ tscCode: number; tscOut: string; out?: string }> {
  const dir = join(work, `cjs-${module}-${source === program ? 'static' : 'dynamic'}`);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(dir, 'node_modules/metrix-stream'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "name": "cjs-user", "private": true, "type": "commonjs" }\n');
  writeFileSync(join(dir, 'index.ts'), source);
  const compilerOptions = {
    module,
    target: 'ES2022',
    strict: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    rootDir: '.',
    outDir: 'out',
    noEmitOnError: true,
    // The library's own .d.ts files are checked by its type-check; skipping them here halves the time.
    skipLibCheck: true,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['index.ts'] }));
  const compiled = await run(process.execPath, [tsc, '-p', '.'], { cwd: dir }).then(
    (r) => ({ tscCode: 0, tscOut: r.stdout }),
    (e: { code: number; stdout: string }) => ({ tscCode: e.code, tscOut: e.stdout }),
  );
  if (compiled.tscCode !== 0) return compiled;
  const js = readFileSync(join(dir, 'out/index.js'), 'utf8');
  if (!/require\("metrix-stream"\)|import\(['"]metrix-stream['"]\)/.test(js)) {
    throw new Error(`module ${module}: unexpected output\n${js}`);
  }
  const { stdout } = await run(process.execPath, [join(dir, 'out/index.js')], { cwd: dir });
  return { ...compiled, out: stdout.trim() };
}

t.test('package: a TypeScript CommonJS project compiles and runs (node20, nodenext, commonjs)', async (t) => {
  for (const module of ['node20', 'nodenext', 'commonjs']) {
    const r = await cjsProject(module, program);
    t.equal(r.tscCode, 0, `module ${module}: tsc ${r.tscOut}`);
    t.equal(r.out, 'latency.mean=15', `module ${module}: require(esm) runs`);
  }
});

t.test('package: module node16 refuses the static import (TS1479); await import() works', async (t) => {
  const refused = await cjsProject('node16', program);
  t.not(refused.tscCode, 0);
  t.match(refused.tscOut, /TS1479/);
  const dynamic = await cjsProject('node16', dynamicImport);
  t.equal(dynamic.tscCode, 0, `tsc ${dynamic.tscOut}`);
  t.equal(dynamic.out, 'hits.sum=3');
});
