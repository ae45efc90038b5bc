// The whole two-tier run from the command line: two `metrix-stream --forward` edges read their
// files, a `metrix-stream --merge` process prints the merged aggregates, against a real
// nats-server -js. The source is spawned through tsx (about 2 s a process), so that this test
// does not depend on a build.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { NatsServer, natsSkipReason } from '../helpers/natsServer.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const skip = natsSkipReason();

function command(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

t.test('metrix-stream --forward / --merge: two edges, one merger, the sums of both', { skip }, async (t) => {
  const nats = await NatsServer.start();
  const dir = mkdtempSync(join(tmpdir(), 'metrix-dist-cli-'));
  const running: ReturnType<typeof command>[] = [];
  t.teardown(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    await nats.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  // Edge A and edge B see the same series (host x) in the same two 1-second windows.
  const lines = (values: number[]) =>
    values
      .map((v, i) =>
        JSON.stringify({ name: 'hits', value: v, tags: { host: 'x' }, time: 1000 * Math.floor(i / 2) + i }),
      )
      .join('\n');
  writeFileSync(join(dir, 'a.ndjson'), `${lines([1, 2, 3, 4])}\n`);
  writeFileSync(join(dir, 'b.ndjson'), `${lines([10, 20, 30, 40])}\n`);

  const edge = (file: string, source: string) =>
    command([
      '--forward',
      nats.url,
      '--source',
      source,
      '--event-time',
      '--window',
      '1',
      '--agg',
      'count,sum,max',
      '--output',
      'none',
      join(dir, file),
    ]);
  const edges = [edge('a.ndjson', 'a'), edge('b.ndjson', 'b')];
  running.push(...edges);
  const codes = await Promise.all(edges.map((e) => e.exited));
  t.same(codes, [0, 0], edges.map((e) => e.stderr()).join('\n'));

  // Started once both edges are done: its backlog is complete, and the idle partition is emitted
  // whole (the 5-second delay is never reached by this data's own time).
  const merger = command([
    '--merge',
    nats.url,
    '--agg',
    'count,sum,max',
    '--output',
    'ndjson',
    '--merge-idle',
    '0.2',
    '--allowed-lateness',
    '5',
  ]);
  running.push(merger);
  const deadline = Date.now() + 40_000;
  while (!merger.stderr().includes('merging partials')) {
    if (Date.now() > deadline || merger.child.exitCode !== null)
      throw new Error(`the merger did not start:\n${merger.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }

  while (merger.stdout().trim().split('\n').filter(Boolean).length < 6) {
    if (Date.now() > deadline)
      throw new Error(`the merger printed ${JSON.stringify(merger.stdout())}:\n${merger.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  merger.child.kill('SIGTERM');
  t.equal(await merger.exited, 0, merger.stderr());
  const got = merger
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((el) => [el.name, el.time, el.value])
    .sort();
  t.same(got, [
    ['hits.count', 1000, 4],
    ['hits.count', 2000, 4],
    ['hits.max', 1000, 20],
    ['hits.max', 2000, 40],
    ['hits.sum', 1000, 33],
    ['hits.sum', 2000, 77],
  ]);
});
