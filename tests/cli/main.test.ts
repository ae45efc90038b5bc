// The command as a user runs it: spawned, fed by stdin or files, stopped by signals. The first
// test runs `npm run main`, the README's main job, which builds dist/ (`npm run build`) and runs
// the compiled command on the shipped sample; every later test spawns that same built
// `dist/src/cli/main.js` — the file package.json's `bin` points to — with `node`, as an installed
// `metrix-stream` runs. (Spawning the TypeScript source through tsx instead costs ~2 s a spawn.)
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { count, mean, sum } from '../../src/aggregators/builtins.js';
import { percentile } from '../../src/aggregators/percentile.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import { MStream } from '../../src/MStream.js';
import { parseNDJSON } from '../../src/parsers/parseNDJSON.js';
import { MSinkNDJSON } from '../../src/sinks/MSinkNDJSON.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const NEWS = join(root, 'examples/data/news.ndjson');
const dir = mkdtempSync(join(tmpdir(), 'metrix-main-'));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the command; `input` goes to stdin (then closed) unless `keepStdin`. */
function cli(args: string[], options: { input?: string | Buffer; keepStdin?: boolean } = {}) {
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  if (options.input !== undefined) child.stdin.write(options.input);
  if (!options.keepStdin) child.stdin.end();
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const result = new Promise<Result>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, result, stderr: () => stderr };
}

/** Waits until the child's stderr matches `pattern`. */
async function stderrMatch(
  run: { child: ChildProcess; stderr: () => string },
  pattern: RegExp,
): Promise<RegExpMatchArray> {
  for (;;) {
    const m = run.stderr().match(pattern);
    if (m) return m;
    await new Promise((resolve) => run.child.stderr?.once('data', resolve));
  }
}

t.test('main: npm run main (the README main job) builds and prints the news aggregates', async (t) => {
  const child = spawn('npm', ['run', '--silent', 'main'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, stderr);
  for (const section of ['politics', 'sports', 'tech', 'culture', 'economy']) {
    for (const metric of ['articles.count', 'words.sum', 'words.mean', 'words.p90']) {
      t.match(
        stdout,
        new RegExp(`  ${metric.replace('.', '\\.')}\\{section=${section}\\}  \\d`),
        `${metric} ${section}`,
      );
    }
  }
  t.match(stdout, /articles\.count\{section=sports\} {2}60\n/);
  t.equal(
    readFileSync(join(root, 'dist/src/cli/main.js'), 'utf8').split('\n')[0],
    '#!/usr/bin/env node',
    'bin has a shebang',
  );
});

t.test('main: --help is useful and exits 0', async (t) => {
  const { code, stdout, stderr } = await cli(['--help']).result;
  t.equal(code, 0);
  t.equal(stderr, '');
  for (const needle of ['Usage: metrix-stream', '--stream', '--output', '--statsd-port', 'Exit codes', 'Examples:']) {
    t.ok(stdout.includes(needle), needle);
  }
});

t.test('main: --version prints the package version', async (t) => {
  const { code, stdout } = await cli(['--version']).result;
  t.equal(code, 0);
  t.equal(stdout, `${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
});

t.test('main: usage errors exit 2 with a message and a hint', async (t) => {
  const badConfig = join(dir, 'bad.json');
  writeFileSync(badConfig, '{"streams":[{"name":"a","window":3}]}');
  const cases: [string[], RegExp][] = [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--window', 'soon'], /--window must be a positive number/],
    [['--stream', 'a/agg=average'], /unknown aggregation "average"/],
    [['--config', join(dir, 'nope.json')], /cannot read config file/],
    [['--config', badConfig], /unknown key "window"/],
    // Aggregations of streams created later are checked before any input is read: stdin stays
    // open below, so a command that waited for input would not exit at all.
    [['-a', 'foo'], /unknown aggregation "foo"/],
    [['-a', 'p101'], /unknown aggregation "p101"/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await cli(args, { keepStdin: true }).result;
    t.equal(code, 2, args.join(' '));
    t.equal(stdout, '');
    t.match(stderr, message);
    t.match(stderr, /Try 'metrix-stream --help'/);
  }
});

t.test('main: a runtime failure exits 1', async (t) => {
  const { code, stderr } = await cli([join(dir, 'missing.ndjson')]).result;
  t.equal(code, 1);
  t.match(stderr, /cannot read .*missing\.ndjson/);
  const bad = await cli(['--output', 'ndjson'], { input: '{"name":"a","value":1}\n[]\n' }).result;
  t.equal(bad.code, 1);
  t.match(bad.stderr, /stdin: parseNDJSON: line 2: expected a JSON object/);
  t.match(bad.stdout, /"name":"a.count","value":1/, 'what came before the bad line is flushed');
});

t.test('main: a reader that goes away (| head -1) ends the command quietly with 0', async (t) => {
  const big = join(dir, 'big.ndjson');
  writeFileSync(
    big,
    lines(20_000, (i) => ({ name: `m${i % 50}`, value: i })),
  );
  const run = cli(['--batch', '1', '--agg', 'sum', big]);
  // Read the first chunk of output, then close the pipe, as `head -1` does after its line.
  await new Promise((resolve) => run.child.stdout?.once('data', resolve));
  run.child.stdout?.destroy();
  const { code, stderr } = await run.result;
  t.equal(code, 0, 'EPIPE is how a pipe ends, not a failure');
  t.equal(stderr, '', 'and nothing is said about it');
});

/** `n` NDJSON lines from `make(i)`. */
function lines(n: number, make: (i: number) => object): string {
  let text = '';
  for (let i = 0; i < n; i++) text += `${JSON.stringify(make(i))}\n`;
  return text;
}

/** The same job done with the library: parse the file, route through a coordinator, NDJSON out. */
async function libraryRun(file: string): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const mc = new MCoordinator({
    mstreams: [
      new MStream('articles', { agg: { count }, batchSize: 50 }),
      new MStream('words', { agg: { sum, mean, p90: percentile(90) }, batchSize: 50, defaultTags: { src: 'news' } }),
    ],
    msinks: [new MSinkNDJSON(out)],
  });
  await pipeline(createReadStream(file), parseNDJSON(), mc);
  return text;
}

const STREAM_FLAGS = ['-s', 'articles/agg=count/batch=50', '-s', 'words/agg=sum,mean,p90/batch=50/tags=src=news'];

t.test('main: stdin gives exactly what the library gives on the same input', async (t) => {
  const expected = await libraryRun(NEWS);
  t.ok(expected.split('\n').length > 50, 'the library produced the aggregates of 12 batches');
  const { code, stdout, stderr } = await cli([...STREAM_FLAGS, '--output', 'ndjson'], { input: readFileSync(NEWS) })
    .result;
  t.equal(code, 0, stderr);
  t.equal(stderr, '');
  t.equal(stdout, expected);
});

t.test('main: a file and a config file give the same as the library', async (t) => {
  const config = join(dir, 'news.json');
  writeFileSync(
    config,
    JSON.stringify({
      streams: [
        { name: 'articles', agg: ['count'], batchSize: 50 },
        { name: 'words', agg: { sum: 'sum', mean: 'mean', p90: 'p90' }, batchSize: 50, defaultTags: { src: 'news' } },
      ],
      output: 'ndjson',
      unknown: 'error',
    }),
  );
  const outFile = join(dir, 'out.ndjson');
  const { code, stdout, stderr } = await cli(['--config', config, '--ndjson-out', outFile, NEWS]).result;
  t.equal(code, 0, stderr);
  const expected = await libraryRun(NEWS);
  t.equal(stdout, expected);
  t.equal(readFileSync(outFile, 'utf8'), expected, '--ndjson-out holds the same lines');
});

t.test('main: SIGTERM mid-window flushes the open window and exits 0', async (t) => {
  const run = cli(['--http-port', '0', '--window', '3600', '--agg', 'sum,count', '--output', 'ndjson']);
  const [, port] = await stderrMatch(run, /http:\/\/127\.0\.0\.1:(\d+)/);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), method: 'POST', path: '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('{"name":"jobs","value":2}\n{"name":"jobs","value":5}\n');
  });
  t.equal(status, 200);
  run.child.kill('SIGTERM');
  const { code, stdout } = await run.result;
  t.equal(code, 0);
  const out = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.match(out, [
    { name: 'jobs.sum', value: 7 },
    { name: 'jobs.count', value: 2 },
  ]);
});

t.test('main: SIGTERM exits in bounded time, flushed, even with an HTTP client stuck in its headers', async (t) => {
  const run = cli(['--http-port', '0', '--window', '3600', '--agg', 'sum', '--output', 'ndjson']);
  const [, port] = await stderrMatch(run, /http:\/\/127\.0\.0\.1:(\d+)/);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), method: 'POST', path: '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('{"name":"jobs","value":3}\n');
  });
  t.equal(status, 200);
  // A client that connects and never finishes its request headers.
  const stuck = connect(Number(port), '127.0.0.1');
  stuck.on('error', () => {});
  await new Promise((resolve) => stuck.once('connect', resolve));
  stuck.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Le');
  const started = Date.now();
  run.child.kill('SIGTERM');
  const { code, stdout } = await run.result;
  const elapsed = Date.now() - started;
  stuck.destroy();
  t.equal(code, 0, 'exited by itself, not killed');
  t.ok(elapsed < 15_000, `exited ${elapsed} ms after SIGTERM`);
  t.match(stdout, /"name":"jobs\.sum","value":3/, 'flushed first');
});

t.test('main: SIGINT while stdin is still open flushes and exits 0', async (t) => {
  // --progress forces the status line, which tells when the lines have been read.
  const run = cli(['--window', '3600', '--agg', 'max', '--progress'], {
    input: '{"name":"temp","value":21}\n{"name":"temp","value":23}\n{"name":"te',
    keepStdin: true,
  });
  await stderrMatch(run, /2 in, 0 out/);
  run.child.kill('SIGINT');
  const { code, stdout, stderr } = await run.result;
  t.equal(code, 0, stderr);
  t.match(stdout, /temp\.max {2}23\n$/);
  t.notMatch(stderr, /error/, 'the cut-off last line is dropped, not reported as malformed');
});
