// The short soak: scripts/soak.ts for 20 s of input with one VictoriaMetrics restart, as a child
// process; it checks its own counts, files, database and RSS and exits 0 only when all hold. The
// counts are exact whatever the rate the machine reaches; only the duration is wall time.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { rssVerdict } from '../scripts/soak/rss.js';
import { checkNdjson, checkVictoriaMetrics } from '../scripts/soak/verify.js';
import { canonicalLine } from '../scripts/soak/workload.js';
import { VictoriaMetrics, vmSkipReason } from './helpers/victoriaMetrics.js';

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

// The checks have teeth: each fails on the fault it is there to see.

t.test('soak: the RSS verdict fails a second half that grew past the bound, and a run too short', async (t) => {
  const MB = 1024 * 1024;
  const samples = (growthMb: number) =>
    Array.from({ length: 21 }, (_, t) => ({ t, rss: (100 + (t >= 13 ? growthMb : 0)) * MB, heapUsed: 10 * MB }));
  t.ok(rssVerdict(samples(5), 4, 20, 20, 30).ok, '+5 MB is within +30 MB');
  t.notOk(rssVerdict(samples(31), 4, 20, 20, 30).ok, '+31 MB is not');
  t.notOk(rssVerdict(samples(0), 4, 7, 20, 30).ok, 'fewer than 3 samples a half');
});

t.test('soak: the NDJSON check fails a file that lost, added or reordered a line', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'metrix-soak-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lines = [0, 1, 2].map((i) => ({ name: 'm.count', value: i + 1, tags: { a: `${i}` }, time: 1000 + i }));
  const hash = createHash('sha256');
  for (const e of lines) hash.update(canonicalLine(e.name, e.value, e.tags, e.time));
  const reference = { received: 3, digest: hash.digest('hex') };
  const file = path.join(dir, 'a.ndjson');
  const check = (xs: typeof lines) => {
    writeFileSync(file, xs.map((e) => `${JSON.stringify(e)}\n`).join(''));
    return checkNdjson(file, reference);
  };
  t.ok((await check(lines)).ok, 'the same sequence passes');
  t.notOk((await check(lines.slice(1))).ok, 'a line lost');
  t.notOk((await check([...lines, lines[0]!])).ok, 'a line added');
  t.notOk((await check([lines[1]!, lines[0]!, lines[2]!])).ok, 'two lines swapped');
});

t.test(
  'soak: the VictoriaMetrics check fails a missing, unexpected, wrong or over-duplicated sample',
  { skip },
  async (t) => {
    const vm = await VictoriaMetrics.start();
    t.teardown(() => vm.cleanup());
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metrix-soak-test-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const T = Date.now() - 60_000;
    const lines = [0, 1, 2].map((i) => ({ name: 'm.count', value: i + 0.5, tags: { a: `${i}` }, time: T + i }));
    const file = path.join(dir, 'a.ndjson');
    writeFileSync(file, lines.map((e) => `${JSON.stringify(e)}\n`).join(''));
    // One database label per case, so that the cases share one server.
    const store = async (db: string, points: Array<[index: number, value?: number]>) => {
      for (const [i, value] of points) {
        const e = lines[i]!;
        const body = `${e.name},a=${e.tags.a} value=${value ?? e.value} ${e.time}\n`;
        const res = await fetch(`${vm.url}/write?db=${db}&precision=ms`, { method: 'POST', body });
        await res.arrayBuffer();
        t.ok(res.ok, `stored ${db} #${i}`);
      }
      return (maxDuplicates: number) => checkVictoriaMetrics(vm, file, db, T - 60_000, T + 60_000, maxDuplicates, 'x');
    };
    t.ok((await (await store('once', [[0], [1], [2]]))(0)).ok, 'each once passes');
    t.notOk((await (await store('missing', [[0], [2]]))(0)).ok, 'one missing fails');
    t.notOk((await (await store('wrong', [[0], [1, 9], [2]]))(0)).ok, 'a wrong value fails');
    const twice = await store('twice', [[0], [1], [1], [2]]);
    t.notOk((await twice(0)).ok, 'one stored twice fails without an allowance');
    t.ok((await twice(1)).ok, 'and passes with an allowance of one');
    t.notOk((await (await store('thrice', [[0], [1], [1], [1], [2]]))(5)).ok, 'a sample stored three times fails');
    const extra = await store('extra', [[0], [1], [2]]);
    const res = await fetch(`${vm.url}/write?db=extra&precision=ms`, {
      method: 'POST',
      body: `other,a=0 value=1 ${T}\n`,
    });
    await res.arrayBuffer();
    t.notOk((await extra(0)).ok, 'a sample the reference lacks fails');
  },
);
