import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import FakeTimers from '@sinonjs/fake-timers';
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
