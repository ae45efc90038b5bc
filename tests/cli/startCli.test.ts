import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import FakeTimers from '@sinonjs/fake-timers';
import fc from 'fast-check';
import t from 'tap';
import type { CliConfig } from '../../src/cli/CliConfig.js';
import { resolveConfig } from '../../src/cli/resolveConfig.js';
import { type CliIO, startCli } from '../../src/cli/startCli.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { until } from '../helpers/until.js';

interface Harness {
  io: CliIO;
  stdin: PassThrough;
  stdout: () => string;
  stderr: () => string;
}

function harness(tty = false): Harness {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdin, stdout, stderr }, stdin, stdout: () => out, stderr: () => err };
}

function config(partial: Partial<CliConfig> & { flags?: never } = {}): CliConfig {
  return { ...resolveConfig({ files: [], streams: [] }), ...partial };
}

const dir = mkdtempSync(join(tmpdir(), 'metrix-cli-'));
const lines = (...objects: object[]) => `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`;

t.test('startCli: stdin → auto-created streams → human lines on stdout, exit 0', async (t) => {
  const h = harness();
  const run = startCli(
    config({ defaultAgg: ['sum', 'count'], defaultBatchSize: 2, defaultWindowSize: undefined }),
    h.io,
  );
  h.stdin.end(
    lines(
      { name: 'a', value: 1, time: 1000 },
      { name: 'a', value: 2, time: 2000 },
      { name: 'b', value: 5, tags: { k: 'v' }, time: 3000 },
    ),
  );
  t.equal(await run.done, 0);
  t.equal(
    h.stdout(),
    [
      '1970-01-01T00:00:02.000Z  a.sum  3',
      '1970-01-01T00:00:02.000Z  a.count  2',
      '1970-01-01T00:00:03.000Z  b.sum{k=v}  5',
      '1970-01-01T00:00:03.000Z  b.count{k=v}  1',
      '',
    ].join('\n'),
  );
  t.equal(h.stderr(), '', 'nothing on stderr when it is not a TTY');
});

t.test('startCli: files one after the other, NDJSON out, configured streams', async (t) => {
  const f1 = join(dir, 'one.ndjson');
  const f2 = join(dir, 'two.ndjson');
  // f1 ends without a newline: files are parsed separately, so its last line is not merged.
  writeFileSync(f1, '{"name":"n","value":1,"time":10}');
  writeFileSync(f2, lines({ name: 'n', value: 2, time: 20 }, { name: 'n', value: 3, time: 30 }));
  const out = join(dir, 'out.ndjson');
  const h = harness();
  const run = startCli(
    config({ files: [f1, f2], streams: [{ name: 'n', agg: ['sum'], batchSize: 3 }], output: 'ndjson', ndjsonOut: out }),
    h.io,
  );
  t.equal(await run.done, 0);
  const expected = '{"name":"n.sum","value":6,"tags":{},"time":30}\n';
  t.equal(h.stdout(), expected);
  t.equal(readFileSync(out, 'utf8'), expected, 'the file is complete when done resolves');
});

t.test('startCli: --unknown drop counts and names the dropped metrics', async (t) => {
  const h = harness();
  const run = startCli(
    config({ streams: [{ name: 'a', agg: ['sum'], batchSize: 10 }], unknown: 'drop', output: 'none' }),
    h.io,
  );
  h.stdin.end(
    lines({ name: 'a', value: 1 }, { name: 'x', value: 1 }, { name: 'y', value: 1 }, { name: 'x', value: 1 }),
  );
  t.equal(await run.done, 0);
  t.match(h.stderr(), /dropped 3 element\(s\) with no stream \(names: x, y\)/);
});

t.test('startCli: --unknown error stops with exit 1 and still flushes what came before', async (t) => {
  const h = harness();
  const run = startCli(
    config({ streams: [{ name: 'a', agg: ['sum'], batchSize: 10 }], unknown: 'error', output: 'ndjson' }),
    h.io,
  );
  h.stdin.end(lines({ name: 'a', value: 4, time: 1 }, { name: 'zzz', value: 1 }, { name: 'a', value: 1 }));
  t.equal(await run.done, 1);
  t.match(h.stderr(), /error: .*no stream named "zzz"/);
});

t.test(
  'startCli: a malformed line stops with exit 1 naming the input and line; earlier lines are flushed',
  async (t) => {
    const h = harness();
    const run = startCli(config({ streams: [{ name: 'a', agg: ['sum'], windowSize: 3600 }], output: 'ndjson' }), h.io);
    h.stdin.end(`${lines({ name: 'a', value: 4 }, { name: 'a', value: 5 })}{oops\n${lines({ name: 'a', value: 100 })}`);
    t.equal(await run.done, 1);
    t.match(h.stderr(), /error: stdin: parseNDJSON: line 3: invalid JSON/);
    t.match(h.stdout(), /"name":"a.sum","value":9,/, 'the window holding the lines before the bad one is flushed');
  },
);

t.test('startCli: --skip-malformed reports each skipped line and a count, exit 0', async (t) => {
  const h = harness();
  const run = startCli(config({ onMalformed: 'skip', output: 'none' }), h.io);
  h.stdin.end(`bad\n${lines({ name: 'a', value: 1 })}{"name":"a"}\n`);
  t.equal(await run.done, 0);
  t.match(h.stderr(), /skipped: stdin: parseNDJSON: line 1:/);
  t.match(h.stderr(), /skipped: stdin: parseNDJSON: line 3: "value" must be a finite number/);
  t.match(h.stderr(), /skipped 2 malformed line\(s\)/);
});

t.test('startCli: an unreadable file is exit 1 with its name', async (t) => {
  const h = harness();
  const run = startCli(config({ files: [join(dir, 'missing.ndjson')] }), h.io);
  t.equal(await run.done, 1);
  t.match(h.stderr(), /error: cannot read .*missing\.ndjson: ENOENT/);
});

t.test('startCli: StatsD from stdin gets the daemon figures per type', async (t) => {
  const h = harness();
  const run = startCli(config({ format: 'statsd', output: 'ndjson' }), h.io);
  h.stdin.end('hits:1|c|@0.5\nhits:2|c\nlat:10|ms\nlat:30|ms\ntemp:5|g\ntemp:+2|g\n');
  t.equal(await run.done, 0);
  const out = Object.fromEntries(
    h
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .map((e) => [e.name, e.value]),
  );
  t.match(out, { 'hits.count': 4, 'hits.rate': 0.4, 'lat.mean': 20, 'lat.upper': 30, 'lat.lower': 10, 'temp.last': 7 });
});

t.test('startCli: stop() mid-window ends the listeners and flushes (HTTP and UDP)', async (t) => {
  const h = harness();
  const run = startCli(
    config({ httpPort: 0, statsdPort: 0, output: 'ndjson', defaultWindowSize: 3600, defaultAgg: ['sum'] }),
    h.io,
  );
  const { http, statsd } = await run.listening;
  t.ok(http && statsd);
  t.match(h.stderr(), /listening for StatsD on udp:\/\/127\.0\.0\.1:\d+/);
  t.match(h.stderr(), /accepting NDJSON on http:\/\/127\.0\.0\.1:\d+/);
  const post = (body: string, path = '/') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: http?.port, method: 'POST', path }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const ok = await post(lines({ name: 'web', value: 2 }, { name: 'web', value: 3 }));
  t.equal(ok.status, 200);
  t.same(JSON.parse(ok.body), { accepted: 2, malformed: 0, errors: [] });
  const partial = await post(`${lines({ name: 'web', value: 10 })}nope\n`, '/ingest');
  t.equal(partial.status, 400, 'a bad line makes the answer 400…');
  t.match(JSON.parse(partial.body), { accepted: 1, malformed: 1, errors: [/line 2/] }, '…but the good lines count');
  t.equal((await post('', '/elsewhere')).status, 404);
  // UDP: send and wait until the datagram is through the parser (its bytes are counted there).
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.send('gauge:7|g\nhits:1|c', statsd?.port, '127.0.0.1', () => resolve()));
  socket.close();
  // Wait until the datagram went through the parser into the router (3 from HTTP + 2 from UDP).
  await until(() => run.counts().in >= 5, 'the datagram through the parser', 10_000);
  t.equal(run.counts().in, 5);
  run.stop();
  t.equal(await run.done, 0);
  const out = h
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const byName = Object.fromEntries(out.map((e) => [e.name, e.value]));
  t.equal(byName['web.sum'], 15, 'the open window was flushed at stop()');
  // --agg (defaultAgg) was given, so StatsD's streams aggregate with it too.
  t.equal(byName['gauge.sum'], 7, 'StatsD over UDP got its own stream');
  t.equal(byName['hits.sum'], 1, 'and a datagram without a final newline is complete');
});

t.test('startCli: a port in use is exit 1', async (t) => {
  const h1 = harness();
  const first = startCli(config({ httpPort: 0 }), h1.io);
  const { http } = await first.listening;
  const h2 = harness();
  const second = startCli(config({ httpPort: http?.port }), h2.io);
  t.equal(await second.done, 1);
  t.match(h2.stderr(), /error: HTTP listener: .*EADDRINUSE/);
  first.stop();
  t.equal(await first.done, 0);
});

t.test('startCli: the progress line is drawn on a TTY and cleared at the end', async (t) => {
  const clock = FakeTimers.install({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  t.teardown(() => clock.uninstall());
  const h = harness(true);
  const run = startCli(config({ output: 'none', defaultBatchSize: 1, defaultWindowSize: undefined }), h.io);
  h.stdin.write(lines({ name: 'a', value: 1 }));
  while (run.counts().out < 5) await new Promise((r) => setImmediate(r));
  t.notOk(h.stderr().includes('in,'), 'nothing before the first tick');
  clock.tick(500);
  h.stdin.end();
  t.equal(await run.done, 0);
  t.ok(
    h.stderr().includes('\r\u001b[2Kmetrix-stream: 1 in, 5 out, 2 el/s'),
    'drawn over itself with \\r and erase-line, with elements per second',
  );
  t.ok(
    h.stderr().endsWith('\r\u001b[2Kmetrix-stream: 1 in, 5 out, 2 el/s on average over 0.5 s\n'),
    'cleared, then a final summary with the average rate',
  );
});

t.test('startCli: a bad aggregation name throws at start (a usage error)', async (t) => {
  t.throws(() => startCli(config({ streams: [{ name: 'a', agg: ['average'] }] }), harness().io), {
    code: ErrorCode.INVALID_AGG,
  });
});

t.test('startCli: a bad default aggregation (--agg) throws at start, before any input', async (t) => {
  for (const defaultAgg of [['foo'], ['sum', 'p101']]) {
    const h = harness();
    t.throws(() => startCli(config({ defaultAgg }), h.io), { code: ErrorCode.INVALID_AGG }, defaultAgg.join(','));
    t.equal(h.stdin.listenerCount('data'), 0, 'stdin was not read');
  }
});

t.test('startCli: stdout closed by its reader (EPIPE) stops the input and exits 0 quietly', async (t) => {
  const h = harness();
  let writes = 0;
  const stdout = new Writable({
    write(_chunk, _encoding, callback) {
      writes++;
      // The reader took one line and left, as `head -1` does.
      if (writes === 1) callback();
      else callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  const run = startCli(config({ defaultAgg: ['sum'], defaultBatchSize: 1, defaultWindowSize: undefined }), {
    ...h.io,
    stdout,
  });
  // More input than the command will read: stdin stays open, so only the EPIPE can end the run.
  h.stdin.write(lines(...Array.from({ length: 50 }, (_, i) => ({ name: 'a', value: i }))));
  t.equal(await run.done, 0);
  t.equal(h.stderr(), '');
  t.ok(writes >= 2, 'the line after the reader left met EPIPE');
});

/** The NDJSON aggregates printed on stdout, as name → value. */
function byName(stdout: string): Record<string, number> {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l))
      .map((e) => [e.name, e.value]),
  );
}

t.test('startCli: StatsD sets count distinct members; sampled timers count 1/rate, as the daemon', async (t) => {
  const h = harness();
  const run = startCli(config({ format: 'statsd', output: 'ndjson' }), h.io);
  h.stdin.end(
    [
      'users:alice|s',
      'users:bob|s',
      'users:alice|s',
      'lat:10|ms|@0.5',
      'lat:20|ms',
      'lat:30|ms|@0.25',
      '_e{5,4}:title|text',
      '_sc|db.up|0',
      '',
    ].join('\n'),
  );
  t.equal(await run.done, 0);
  const out = byName(h.stdout());
  t.equal(out['users.count'], 2, 'two distinct members');
  t.equal(out['lat.count'], 2 + 1 + 4, 'each sampled timing counts 1/rate times');
  t.equal(out['lat.sum'], 60, 'sum and the rest come from the raw values');
  t.equal(out['lat.mean'], 20);
  t.equal(out['lat.upper'], 30);
  t.match(h.stderr(), /ignored 1 StatsD event\(s\) and 1 service check\(s\)/);
  t.notMatch(h.stderr(), /malformed/, 'events and service checks are not malformed lines');
});

t.test('startCli: a bad UDP datagram is reported with its sender and text, not a running line number', async (t) => {
  const h = harness();
  const run = startCli(config({ statsdPort: 0, output: 'ndjson', defaultAgg: ['sum'], defaultWindowSize: 3600 }), h.io);
  const { statsd } = await run.listening;
  t.match(h.stderr(), /listening for StatsD on udp:\/\/127\.0\.0\.1:\d+, receive buffer \d+ bytes \(asked 8388608\)/);
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const sender = `127.0.0.1:${socket.address().port}`;
  const send = (text: string) =>
    new Promise<void>((resolve) => socket.send(text, statsd?.port, '127.0.0.1', () => resolve()));
  await send('a:1|c\na:2|c\na:3|c');
  await send('ok:1|c\nbad line\nok:2|c');
  socket.close();
  await until(() => run.counts().in >= 5, 'both datagrams routed', 10_000);
  run.stop();
  t.equal(await run.done, 0);
  const message = h.stderr().match(/skipped: udp: (.*)/)?.[1] ?? '';
  t.match(message, new RegExp(`datagram from ${sender.replace(/\./g, '\\.')}, line 2: `), 'sender and line in it');
  t.match(message, /datagram: "ok:1\|c\\nbad line\\nok:2\|c"/, 'and the datagram');
  t.same(byName(h.stdout()), { 'a.sum': 6, 'ok.sum': 3 }, 'the good lines around the bad one count');
});

t.test('startCli: --max-streams bounds the streams --unknown auto creates; the limit is reported once', async (t) => {
  const h = harness();
  const run = startCli(
    config({ maxStreams: 2, output: 'ndjson', defaultAgg: ['count'], defaultWindowSize: 3600 }),
    h.io,
  );
  const input = [];
  for (let i = 0; i < 50; i++) input.push({ name: `m${i % 5}`, value: 1 });
  h.stdin.end(lines(...input));
  t.equal(await run.done, 0, 'dropping is not a failure');
  t.same(byName(h.stdout()), { 'm0.count': 10, 'm1.count': 10 }, 'the first two names got streams');
  t.equal(h.stderr().split('ERR_METRIX_CARDINALITY_LIMIT').length - 1, 1, 'reported once, not per element');
  t.match(h.stderr(), /dropped 30 element\(s\) of new names past --max-streams 2 \(names: m2, m3, m4\)/);
});

t.test('startCli: a file is paused while a stream is full, and resumes: nothing lost', async (t) => {
  const h = harness();
  let release: () => void = () => {};
  let blocked = true;
  let written = 0;
  const stdout = new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, callback) {
      written++;
      if (blocked) release = () => callback();
      else callback();
    },
  });
  const run = startCli(
    config({ output: 'ndjson', defaultAgg: ['sum'], defaultBatchSize: 1, defaultWindowSize: undefined }),
    {
      ...h.io,
      stdout,
    },
  );
  // 500 chunks of 10 lines: a chunk is parsed and routed whole, so the pause comes between chunks.
  const n = 5000;
  for (let c = 0; c < n / 10; c++) {
    h.stdin.write(lines(...Array.from({ length: 10 }, (_, i) => ({ name: 'a', value: c * 10 + i }))));
  }
  h.stdin.end();
  await until(() => h.stdin.isPaused(), 'stdin paused by the full stream', 10_000);
  const routedWhilePaused = run.counts().in;
  t.ok(routedWhilePaused < n, `reading stopped at ${routedWhilePaused} of ${n} elements`);
  await new Promise((r) => setTimeout(r, 100));
  // The streams' own buffers may take a little more once they drain into each other; then the
  // file stays paused: what is read is bounded by the buffers, not by the input.
  const routedWhileStuck = run.counts().in;
  t.ok(
    routedWhileStuck < 1000,
    `bounded while the sink is stuck: ${routedWhilePaused} then ${routedWhileStuck} of ${n}`,
  );
  t.ok(h.stdin.isPaused(), 'still paused');
  blocked = false;
  release();
  t.equal(await run.done, 0);
  t.equal(run.counts().in, n, 'everything routed once the sink moved');
  t.equal(written, n, 'every aggregate written');
});

t.test('startCli: stop() ends the run in bounded time even with a client stuck in its headers', async (t) => {
  const h = harness();
  const run = startCli(config({ httpPort: 0, output: 'ndjson', defaultAgg: ['sum'], defaultWindowSize: 3600 }), h.io);
  const { http } = await run.listening;
  const ok = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: http?.port, method: 'POST', path: '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(lines({ name: 'jobs', value: 4 }));
  });
  t.equal(ok, 200);
  // A client that opens a connection and never finishes its request headers.
  const stuck = connect(http?.port as number, '127.0.0.1');
  await once(stuck, 'connect');
  stuck.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: appl');
  stuck.on('error', () => {});
  const started = Date.now();
  run.stop();
  const code = await Promise.race([
    run.done,
    new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000).unref()),
  ]);
  t.equal(code, 0, 'the run ended');
  t.ok(Date.now() - started < 10_000, `within ${Date.now() - started} ms`);
  t.same(byName(h.stdout()), { 'jobs.sum': 4 }, 'flushed first');
  stuck.destroy();
});

t.test(
  'startCli: datagrams the kernel dropped (receive buffer full) are counted and reported',
  { skip: !existsSync('/proc/net/udp') && 'reads /proc/net/udp (Linux)' },
  async (t) => {
    const h = harness();
    const run = startCli(
      config({ statsdPort: 0, udpBufferBytes: 4096, output: 'none', defaultAgg: ['count'], defaultWindowSize: 3600 }),
      h.io,
    );
    const { statsd } = await run.listening;
    // A sender in another process, while this one is too busy to read: the kernel's small buffer
    // fills and the rest is dropped before the program could see it.
    const sender = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:dgram').createSocket('udp4'); let n = 0;
         const next = () => { if (n++ < 3000) s.send('burst:1|c|#k:' + 'x'.repeat(100), ${statsd?.port}, '127.0.0.1', next); else s.close(); };
         next();`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => sender.on('close', resolve));
    const busyUntil = Date.now() + 1500;
    while (Date.now() < busyUntil) {
      // busy: the event loop does not read the socket meanwhile
    }
    await exited;
    run.stop();
    t.equal(await run.done, 0);
    const dropped = Number(h.stderr().match(/the kernel dropped (\d+) UDP datagram/)?.[1] ?? 0);
    t.ok(dropped > 0, `the kernel dropped ${dropped}, and the command said so`);
    t.match(h.stderr(), /see --udp-buffer/);
  },
);

t.test('startCli: stdin named twice (- -) is read once, then the run ends', async (t) => {
  const h = harness();
  const run = startCli(
    config({ files: ['-', '-'], output: 'ndjson', defaultAgg: ['sum'], defaultWindowSize: 3600 }),
    h.io,
  );
  h.stdin.end(lines({ name: 'a', value: 2 }));
  const code = await Promise.race([
    run.done,
    new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000).unref()),
  ]);
  t.equal(code, 0);
  t.same(byName(h.stdout()), { 'a.sum': 2 });
});

t.test(
  'startCli: random bytes between valid lines (skip mode): exit 0, the valid lines all counted (property)',
  async (t) => {
    const seed = (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
    t.comment(`seed ${seed}`);
    for (const format of ['ndjson', 'statsd'] as const) {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }), async (bads) => {
          const h = harness();
          const run = startCli(
            config({ format, onMalformed: 'skip', output: 'ndjson', defaultAgg: ['count'], defaultWindowSize: 3600 }),
            h.io,
          );
          const valid = format === 'ndjson' ? '{"name":"valid","value":1}\n' : 'valid:1|c\n';
          for (const bad of bads) {
            h.stdin.write(valid);
            h.stdin.write(Buffer.concat([Buffer.from(bad), Buffer.from('\n')]));
          }
          h.stdin.end(valid);
          const code = await run.done;
          const counted = byName(h.stdout())['valid.count'];
          // Random bytes may themselves form a valid line of the name `valid`: at least, not less.
          return code === 0 && counted !== undefined && counted >= bads.length + 1;
        }),
        { seed, numRuns: 40 },
      );
    }
    t.pass('no crash, every valid line counted');
  },
);

t.test('startCli: under --unknown error, an unknown name from a network client is dropped, not fatal', async (t) => {
  const h = harness();
  const run = startCli(
    config({
      httpPort: 0,
      statsdPort: 0,
      unknown: 'error',
      streams: [{ name: 'a', agg: ['sum'], windowSize: 3600 }],
      output: 'ndjson',
    }),
    h.io,
  );
  const { http, statsd } = await run.listening;
  const res = await fetch(`http://127.0.0.1:${http?.port}/`, {
    method: 'POST',
    body: lines({ name: 'zzz', value: 1 }, { name: 'a', value: 2 }),
  });
  t.equal(res.status, 200);
  await res.text();
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.send('yyy:1|c\na:3|c', statsd?.port, '127.0.0.1', () => resolve()));
  socket.close();
  await until(() => run.counts().in >= 2, 'the datagram routed', 10_000);
  t.notMatch(h.stderr(), /error:/, 'still running');
  run.stop();
  t.equal(await run.done, 0, 'a client cannot make the command fail');
  t.same(byName(h.stdout()), { 'a.sum': 5 });
  t.match(h.stderr(), /dropped 2 element\(s\) with no stream \(names: zzz, yyy\)/);
});

t.test('startCli: --event-time replays the news sample into windows of its own hours', async (t) => {
  const news = new URL('../../examples/data/news.ndjson', import.meta.url).pathname;
  const h = harness();
  const run = startCli(
    config({
      files: [news],
      streams: [{ name: 'articles', agg: ['count'], windowSize: 3600 }],
      unknown: 'drop',
      windowTime: 'event',
      output: 'ndjson',
    }),
    h.io,
  );
  t.equal(await run.done, 0);
  const out = h
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { time: number; value: number });
  const hours = [...new Set(out.map((e) => e.time))].sort();
  // The sample spans 2024-01-01T00:00Z to about 03:04Z: four hourly windows, stamped with their ends.
  t.same(
    hours.map((h) => new Date(h).toISOString()),
    ['2024-01-01T01:00:00.000Z', '2024-01-01T02:00:00.000Z', '2024-01-01T03:00:00.000Z', '2024-01-01T04:00:00.000Z'],
  );
  const articles = readFileSync(news, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"articles"')).length;
  t.equal(
    out.reduce((a, e) => a + e.value, 0),
    articles,
    'every article counted once',
  );
});

t.test('startCli: late elements and values past --max-series are counted at the end, not silent', async (t) => {
  const h = harness();
  const run = startCli(
    config({
      streams: [{ name: 'm', agg: ['count'], windowSize: 60 }],
      windowTime: 'event',
      allowedLateness: 0,
      maxSeries: 1,
      output: 'none',
    }),
    h.io,
  );
  h.stdin.end(
    lines(
      { name: 'm', value: 1, tags: { k: 'a' }, time: 120_000 },
      { name: 'm', value: 1, tags: { k: 'b' }, time: 130_000 },
      { name: 'm', value: 1, tags: { k: 'a' }, time: 10_000 },
    ),
  );
  t.equal(await run.done, 0);
  t.match(h.stderr(), /1 late element\(s\) not merged/);
  t.match(h.stderr(), /1 value\(s\) folded into metrix\.overflow=true past --max-series/);
});
