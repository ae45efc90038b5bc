// The command's network listeners under random and adversarial input: what a client sends never
// crashes, hangs or stops the command; every bad line is counted on stderr, and every valid
// element around the bad ones is aggregated. Runs in-process (startCli), loopback only, bounded.
import { createSocket, type Socket } from 'node:dgram';
import { request } from 'node:http';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import t from 'tap';
import type { CliConfig } from '../../src/cli/CliConfig.js';
import { resolveConfig } from '../../src/cli/resolveConfig.js';
import { type CliIO, startCli } from '../../src/cli/startCli.js';
import { until } from '../helpers/until.js';

// Seeds: a fixed one always, and a random one whose value is printed when it fails.
const SEEDS = [20261202, Math.floor(Math.random() * 2 ** 31)];
const MAX_LINE = 256;

function harness(): { io: CliIO; stdout: () => string; stderr: () => string } {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdin: new PassThrough(), stdout, stderr }, stdout: () => out, stderr: () => err };
}

function config(partial: Partial<CliConfig> = {}): CliConfig {
  return { ...resolveConfig({ files: [], streams: [] }), ...partial };
}

/** Rejects with a message naming what did not happen when `promise` takes longer than `ms`. */
function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** POSTs `body` without keep-alive (no pooled socket outlives the test); the status and parsed answer. */
function post(port: number, body: Buffer | string): Promise<{ status: number; body: string }> {
  const sent = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
  return deadline(sent, 10_000, 'an HTTP answer');
}

/** Writes raw bytes on a TCP connection, then either ends or destroys it; resolves once it is closed. */
function raw(port: number, bytes: Buffer, how: 'end' | 'destroy'): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('close', () => resolve());
    socket.on('connect', () => {
      socket.write(bytes, () => {
        if (how === 'destroy') socket.destroy();
        else socket.end();
      });
    });
  });
  return deadline(closed, 10_000, 'a raw TCP client closed');
}

function sendUdp(socket: Socket, port: number, datagram: Buffer): Promise<void> {
  return deadline(
    new Promise<void>((resolve) => socket.send(datagram, port, '127.0.0.1', () => resolve())),
    5_000,
    'a datagram sent',
  );
}

/** The configured stream that acknowledges datagrams: a batch of one, its aggregate out at once. */
const SENTINEL = { name: 'sentinel', agg: ['count'], batchSize: 1 };

/**
 * Waits until every datagram sent so far on `udp` went through the command (routed, or dropped
 * and counted). Datagrams arrive in order on loopback: once a sentinel sent after them has come
 * out on stdout, every earlier one has been seen. A lost sentinel (the kernel's buffer was full)
 * is sent again.
 */
async function ackUdp(udp: Socket, port: number, stdout: () => string): Promise<void> {
  const seen = () => stdout().split('"sentinel.count"').length;
  const before = seen();
  for (let i = 0; i < 20; i++) {
    await sendUdp(udp, port, Buffer.from('sentinel:1|c'));
    const by = Date.now() + 500;
    while (Date.now() < by && seen() === before) await new Promise((r) => setTimeout(r, 5));
    if (seen() > before) return;
  }
  throw new Error('timed out: no sentinel datagram came through in 10 s');
}

/** The NDJSON aggregates printed on stdout. */
function aggregates(stdout: string): { name: string; value: number; tags: Record<string, string> }[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

const total = (stdout: string, name: string) =>
  aggregates(stdout)
    .filter((e) => e.name === name)
    .reduce((a, e) => a + e.value, 0);

/** The number in the first stderr line matching `pattern` (its first group), 0 without one. */
const reported = (stderr: string, pattern: RegExp) => Number(stderr.match(pattern)?.[1] ?? 0);

// ---- generators ----

const weirdKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'k', 'é');
const plainText = fc.stringMatching(/^[a-z0-9_]{0,6}$/);
const validValueText = fc.constantFrom('1', '0', '-0', '42', '1e308', '-1e308', '5e-324', '0.5', '-7');

/** A valid NDJSON line of the dedicated name: odd values and prototype-named tag keys. */
const validNdjson = fc
  .record({ v: validValueText, tags: fc.array(fc.tuple(weirdKey, plainText), { maxLength: 3 }) })
  .map(({ v, tags }) => {
    const t = tags.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(',');
    return `{"name":"okhttp","value":${v}${tags.length > 0 ? `,"tags":{${t}}` : ''}}`;
  });

/** A valid StatsD line of the dedicated name (no gauge deltas, no sample rate: nothing can overflow). */
const validStatsd = fc
  .record({
    v: fc.constantFrom('1', '0', '-0', '42', '1e308', '0.5'),
    type: fc.constantFrom('c', 'ms', 'h', 'd'),
    tags: fc.array(fc.tuple(weirdKey, plainText), { maxLength: 3 }),
  })
  .map(({ v, type, tags }) => {
    const value = type === 'c' ? v : v.replace('-', '');
    return `okudp:${value}|${type}${tags.length > 0 ? `|#${tags.map(([k, x]) => `${k}:${x}`).join(',')}` : ''}`;
  });

const badUtf8 = fc.constantFrom(
  [0xff],
  [0xfe, 0xff],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate encoded in UTF-8
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0xc0, 0xaf], // overlong '/'
);

const adversarialStatsd = fc.constantFrom(
  'inf:Infinity|c',
  'inf:-Infinity|ms',
  'nan:NaN|g',
  'z:-0|c',
  'z:-0|g',
  'big:1e308|c|@0.001',
  'big:1e999|c',
  'rate:1|c|@0',
  'rate:1|c|@1e-320',
  'rate:1|c|@-1',
  'rate:1|c|@2',
  'rate:1|c|@NaN',
  'timer:1|ms|@1e-320',
  'timer:1|h|@5e-324',
  'ts:1|c|T99999999999999999',
  'ts:1|c|T-99999999999999999',
  'ts:1|c|T1e300',
  'ts:1|c|TNaN',
  'late:1|c|T1',
  'gd:+1e308|g',
  'gd:+1e308|g',
  'gd:-1e308|g',
  '__proto__:1|c',
  'constructor:1|c',
  'proto:1|c|#__proto__:x,constructor:y,prototype:z',
  'proto:1|c|#__proto__',
  ':1|c',
  'x:|c',
  'x:1|',
  'x:1|zz',
  'x:1:2:3|ms|@0.5',
  'x:0x10|c',
  's:|s',
  '_e{5,4}:title|text',
  '_sc|db.up|0',
  '|||',
  '\u0000:1|c',
);

const adversarialNdjson = fc.constantFrom(
  '{"name":"inf","value":1e999}',
  '{"name":"inf","value":-1e999}',
  '{"name":"nan","value":"NaN"}',
  '{"name":"nan","value":"Infinity"}',
  '{"name":"z","value":-0}',
  '{"name":"big","value":1e308}',
  '{"name":"t","value":1,"time":1e300}',
  '{"name":"t","value":1,"time":-8.64e15}',
  '{"name":"t","value":1,"time":8.640000000000001e15}',
  '{"name":"t","value":1,"time":"2026"}',
  '{"name":"late","value":1,"time":1}',
  '{"name":"__proto__","value":1}',
  '{"name":"constructor","value":1}',
  '{"__proto__":{"polluted":1},"name":"p","value":1}',
  '{"name":"p","value":1,"tags":{"__proto__":{"polluted":1}}}',
  '{"name":"p","value":1,"tags":{"__proto__":"x","constructor":"y"}}',
  '{"name":"p","value":1,"tags":{"constructor":{"prototype":{"polluted":1}}}}',
  '{"name":"p","value":1,"tags":[1]}',
  '{"name":"","value":1}',
  '{"name":1,"value":1}',
  '{"value":1}',
  '{"name":"x"}',
  '[1,2]',
  'null',
  '"str"',
  '{',
  '{"name":"x","value":1}}',
  '\ufeff{"name":"bom","value":1}',
);

/** A bad (or merely odd) line: random bytes, invalid UTF-8, a line past --max-line-length, or a known trap. */
function badLine(traps: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
    fc.string({ maxLength: 40 }).map((s) => Buffer.from(s)),
    fc
      .tuple(plainText, badUtf8)
      .map(([s, b]) => Buffer.concat([Buffer.from(`u${s}`), Buffer.from(b), Buffer.from(':1|c')])),
    fc.nat({ max: 3000 }).map((n) => Buffer.from(`long:${'9'.repeat(MAX_LINE + n)}|c`)),
    fc.double().map((v) => Buffer.from(`d:${v}|c`)),
    traps.map((s) => Buffer.from(s)),
  );
}

/** Joins lines with `\n`, placing `valid` (if any) at position `at`: one valid line per datagram or body part. */
function joined(bads: Buffer[], valid: string | null, at: number): { bytes: Buffer; valid: number } {
  const parts = [...bads];
  if (valid !== null) parts.splice(at % (parts.length + 1), 0, Buffer.from(valid));
  return {
    bytes: Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('\n'), p]))),
    valid: valid === null ? 0 : 1,
  };
}

const udpStep = fc
  .record({ bads: fc.array(badLine(adversarialStatsd), { maxLength: 4 }), valid: fc.option(validStatsd), at: fc.nat() })
  .map((s) => ({ kind: 'udp' as const, ...joined(s.bads, s.valid, s.at) }));

const httpStep = fc
  .array(
    fc.record({
      bads: fc.array(badLine(adversarialNdjson), { maxLength: 3 }),
      valid: fc.option(validNdjson),
      at: fc.nat(),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((parts) => {
    const pieces = parts.map((s) => joined(s.bads, s.valid, s.at));
    return {
      kind: 'http' as const,
      // Parts end with a newline each: a valid line is never merged with its neighbours.
      bytes: Buffer.concat(pieces.flatMap((p) => [Buffer.from('\n'), p.bytes, Buffer.from('\n')])),
      valid: pieces.reduce((a, p) => a + p.valid, 0),
    };
  });

/** A client that leaves mid-request: truncated headers, a body cut before Content-Length, garbage. */
const rawStep = fc.oneof(
  fc.nat({ max: 40 }).map((cut) => ({
    kind: 'raw' as const,
    how: 'destroy' as const,
    bytes: Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n'.slice(0, 10 + cut)),
  })),
  fc.nat({ max: 30 }).map((cut) => ({
    kind: 'raw' as const,
    how: 'destroy' as const,
    bytes: Buffer.from(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{"name":"okabort","value":1}\n${'{"name":"okabort","value":1}'.slice(0, cut)}`,
    ),
  })),
  fc
    .uint8Array({ minLength: 1, maxLength: 200 })
    .map((b) => ({ kind: 'raw' as const, how: 'end' as const, bytes: Buffer.from(b) })),
  fc
    .constantFrom(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      'GET /health HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /../../etc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
      '\u0000\u0001\u0002 / HTTP/9.9\r\n\r\n',
    )
    .map((s) => ({ kind: 'raw' as const, how: 'end' as const, bytes: Buffer.from(s, 'latin1') })),
);

// ---- the property ----

interface Sent {
  http: number;
  udp: number;
  httpMalformed: number;
}

/** Sends `steps` to a fresh command, interleaved, and checks the accounting once it has stopped. */
async function runOnce(
  steps: (
    | { kind: 'udp'; bytes: Buffer; valid: number }
    | { kind: 'http'; bytes: Buffer; valid: number }
    | { kind: 'raw'; how: 'end' | 'destroy'; bytes: Buffer }
  )[],
) {
  const h = harness();
  const run = startCli(
    config({
      httpPort: 0,
      statsdPort: 0,
      output: 'ndjson',
      defaultAgg: ['count', 'sum'],
      defaultWindowSize: 3600,
      maxLineLength: MAX_LINE,
      maxSeries: 20,
      maxStreams: 50,
      windowTime: 'event',
      allowedLateness: 0,
      streams: [
        { name: 'okhttp', agg: ['count'], windowSize: 3600 },
        { name: 'okudp', agg: ['count'], windowSize: 3600 },
        { name: 'okabort', agg: ['count'], windowSize: 3600 },
        SENTINEL,
      ],
    }),
    h.io,
  );
  const { http, statsd } = await deadline(run.listening, 10_000, 'the listeners');
  const httpPort = http?.port as number;
  const udpPort = statsd?.port as number;
  const udp = createSocket('udp4');
  const sent: Sent = { http: 0, udp: 0, httpMalformed: 0 };
  const fixedNow = Math.floor(Date.now() / 1000);
  try {
    // Fixed traps each run: an overflowing sum, late elements, tag sets past --max-series.
    // (Event time: the two huge values carry one time, so they share a window whatever the clock.)
    await sendUdp(
      udp,
      udpPort,
      Buffer.from(`uhuge:1e308|c|T${fixedNow}\nuhuge:1e308|c|T${fixedNow}\nulate:1|c|T${fixedNow}\nulate:1|c|T1000`),
    );
    const flood = Array.from(
      { length: 200 },
      (_, i) => `{"name":"flood","value":1,"tags":{"k":"${i}"},"time":${fixedNow * 1000}}`,
    );
    const fixed = await post(
      httpPort,
      `{"name":"huge","value":1e308,"time":${fixedNow * 1000}}\n{"name":"huge","value":1e308,"time":${fixedNow * 1000}}\n{"name":"late","value":1,"time":${Date.now()}}\n{"name":"late","value":1,"time":1000}\n${flood.join('\n')}\n`,
    );
    if (fixed.status !== 200) throw new Error(`the fixed traps were answered ${fixed.status}: ${fixed.body}`);
    // Names past --max-streams: 100 new ones (the dedicated names are configured, not created).
    const names = Array.from({ length: 100 }, (_, i) => `{"name":"name${i}","value":1}`);
    await post(httpPort, `${names.join('\n')}\n`);
    for (const step of steps) {
      if (step.kind === 'udp') {
        await sendUdp(udp, udpPort, step.bytes);
        sent.udp += step.valid;
      } else if (step.kind === 'http') {
        const answer = await post(httpPort, step.bytes);
        if (answer.status !== 200 && answer.status !== 400) throw new Error(`HTTP answered ${answer.status}`);
        const body = JSON.parse(answer.body) as { accepted: number; malformed: number };
        if ((answer.status === 400) !== body.malformed > 0)
          throw new Error(`status ${answer.status} for ${answer.body}`);
        sent.http += step.valid;
        sent.httpMalformed += body.malformed;
      } else {
        await raw(httpPort, step.bytes, step.how);
      }
    }
    // An enormous body: a 2 MiB line without a newline, then a valid line.
    const huge = await post(httpPort, `${'x'.repeat(2 * 1024 * 1024)}\n{"name":"okhttp","value":1}\n`);
    if (huge.status !== 400 || !huge.body.includes('"accepted":1'))
      throw new Error(`huge body: ${huge.status} ${huge.body}`);
    sent.http++;
    sent.httpMalformed++;
    await ackUdp(udp, udpPort, h.stdout);
    // Still serving after all that.
    const after = await post(httpPort, '{"name":"okhttp","value":1}\n');
    if (after.status !== 200) throw new Error(`a valid request after the fuzz was answered ${after.status}`);
    sent.http++;
  } finally {
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    run.stop();
  }
  const code = await deadline(run.done, 10_000, 'the run to end after stop()');
  return { code, sent, stdout: h.stdout(), stderr: h.stderr() };
}

/** What must hold after a run; a message naming the first thing that does not, or undefined. */
function check(result: Awaited<ReturnType<typeof runOnce>>, rawValid: number): string | undefined {
  const { code, sent, stdout, stderr } = result;
  if (code !== 0) return `exit ${code}: ${stderr}`;
  if (/^metrix-stream: error:/m.test(stderr)) return `an error on stderr: ${stderr}`;
  const okhttp = total(stdout, 'okhttp.count');
  if (okhttp !== sent.http) return `okhttp.count ${okhttp}, sent ${sent.http} valid lines over HTTP`;
  const okudp = total(stdout, 'okudp.count');
  const udpDropped =
    reported(stderr, /dropped (\d+) UDP datagram\(s\) while the pipeline was behind/) +
    reported(stderr, /the kernel dropped (\d+) UDP datagram/);
  // A datagram the command did not see is lost only when the command says so.
  if (okudp > sent.udp || okudp < sent.udp - udpDropped) {
    return `okudp.count ${okudp}, sent ${sent.udp} valid datagrams, ${udpDropped} reported dropped`;
  }
  const okabort = total(stdout, 'okabort.count');
  if (okabort > rawValid) return `okabort.count ${okabort}: more than the ${rawValid} complete lines sent`;
  const malformed = reported(stderr, /skipped (\d+) malformed line\(s\)/);
  if (malformed < sent.httpMalformed)
    return `${malformed} malformed lines reported, HTTP answers said ${sent.httpMalformed}`;
  if (reported(stderr, /(\d+) aggregate\(s\) dropped as not finite/) < (udpDropped > 0 ? 1 : 2)) {
    return `the overflowing sums are not counted: ${stderr}`;
  }
  if (reported(stderr, /(\d+) late element\(s\) not merged/) < (udpDropped > 0 ? 1 : 2)) {
    return `the late elements are not counted: ${stderr}`;
  }
  if (reported(stderr, /(\d+) value\(s\) folded into metrix\.overflow=true/) < 180) {
    return `values past --max-series are not counted: ${stderr}`;
  }
  if (reported(stderr, /dropped (\d+) element\(s\) of new names past --max-streams/) < 50) {
    return `names past --max-streams are not counted: ${stderr}`;
  }
  if (stderr.split('ERR_METRIX_CARDINALITY_LIMIT').length !== 2)
    return `the stream limit is not reported once: ${stderr}`;
  if (total(stdout, 'flood.count') !== 200) return `flood.count ${total(stdout, 'flood.count')}, 200 sent`;
  return undefined;
}

t.test(
  'listenersFuzz: adversarial datagrams, bodies and clients: exit 0, valid elements all aggregated, bad ones counted (property)',
  async (t) => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    t.teardown(() => process.off('warning', onWarning));
    const listeners = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'TCPServerWrap').length;
    const listenersBefore = listeners();
    const steps = fc.array(
      fc.oneof(
        { weight: 4, arbitrary: udpStep },
        { weight: 3, arbitrary: httpStep },
        { weight: 1, arbitrary: rawStep },
      ),
      {
        maxLength: 25,
      },
    );
    let runs = 0;
    for (const seed of SEEDS) {
      await fc.assert(
        fc.asyncProperty(steps, async (steps) => {
          runs++;
          // Each raw step that cuts its body carries at most one complete okabort line.
          const rawValid = steps.filter((s) => s.kind === 'raw' && s.bytes.includes('okabort')).length;
          const failure = check(await runOnce(steps), rawValid);
          if (failure !== undefined) throw new Error(failure);
        }),
        { seed, numRuns: 25 },
      );
    }
    t.same(
      Object.getOwnPropertyNames(Object.prototype).filter((k) => k === 'polluted'),
      [],
      'Object.prototype untouched',
    );
    t.equal(({} as { polluted?: unknown }).polluted, undefined);
    // A closed handle leaves the list a moment after its close callback: wait, with a deadline.
    await until(() => listeners() <= listenersBefore, 'every socket and server of the runs to be released', 5_000);
    t.equal(listeners(), listenersBefore, 'every socket and server of the runs closed');
    t.same(
      warnings.map((w) => `${w.name}: ${w.message}`),
      [],
      'no process warning (a listener leak would show as MaxListenersExceededWarning)',
    );
    t.pass(`held for ${runs} runs, seeds ${SEEDS.join(', ')}`);
  },
);

// ---- regression: an overflowing sum of valid values used to stop the command ----

/** GET /health, without keep-alive. */
function health(port: number): Promise<number> {
  return deadline(
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    }),
    10_000,
    'the health answer',
  );
}

// Arrival windows of 10^6 s (aligned on the epoch): a run of a few milliseconds straddles two of
// them with a probability of about 10^-8, so both values land in one window.
const overflowConfig = (partial: Partial<CliConfig>) =>
  config({ output: 'ndjson', defaultAgg: ['count', 'sum', 'max'], defaultWindowSize: 1_000_000, ...partial });

t.test('listenersFuzz: two valid HTTP lines whose sum overflows (1e308 + 1e308) do not stop the command', async (t) => {
  const h = harness();
  const run = startCli(overflowConfig({ httpPort: 0 }), h.io);
  const { http } = await deadline(run.listening, 10_000, 'the listener');
  const port = http?.port as number;
  const first = await post(
    port,
    '{"name":"big","value":1e308}\n{"name":"big","value":1e308}\n{"name":"other","value":2}\n',
  );
  t.equal(first.status, 200, 'both lines are valid: 200');
  t.same(JSON.parse(first.body), { accepted: 3, malformed: 0, errors: [] });
  const second = await post(port, '{"name":"after","value":1}\n');
  t.equal(second.status, 200, 'still taking requests');
  t.equal(await health(port), 200, 'and healthy');
  run.stop();
  t.equal(await deadline(run.done, 10_000, 'the run to end'), 0);
  const out = Object.fromEntries(aggregates(h.stdout()).map((e) => [e.name, e.value]));
  t.same(
    out,
    {
      'big.count': 2,
      'big.max': 1e308,
      'other.count': 1,
      'other.sum': 2,
      'other.max': 2,
      'after.count': 1,
      'after.sum': 1,
      'after.max': 1,
    },
    'only the infinite big.sum is missing; the window’s other aggregates came out',
  );
  t.match(h.stderr(), /metrix-stream: 1 aggregate\(s\) dropped as not finite/);
  t.notMatch(h.stderr(), /error:/);
});

t.test(
  'listenersFuzz: two valid StatsD datagrams whose sum overflows (1e308 + 1e308) do not stop the command',
  async (t) => {
    const h = harness();
    const run = startCli(overflowConfig({ statsdPort: 0 }), h.io);
    const { statsd } = await deadline(run.listening, 10_000, 'the listener');
    const port = statsd?.port as number;
    const udp = createSocket('udp4');
    t.teardown(() => udp.close());
    await sendUdp(udp, port, Buffer.from('big:1e308|c'));
    await sendUdp(udp, port, Buffer.from('big:1e308|c\nother:2|c'));
    await until(() => run.counts().in >= 3, 'the two datagrams routed', 10_000);
    await sendUdp(udp, port, Buffer.from('after:1|c'));
    await until(() => run.counts().in >= 4, 'a datagram after the overflow routed: still listening', 10_000);
    run.stop();
    t.equal(await deadline(run.done, 10_000, 'the run to end'), 0);
    const out = Object.fromEntries(aggregates(h.stdout()).map((e) => [e.name, e.value]));
    t.same(
      out,
      {
        'big.count': 2,
        'big.max': 1e308,
        'other.count': 1,
        'other.sum': 2,
        'other.max': 2,
        'after.count': 1,
        'after.sum': 1,
        'after.max': 1,
      },
      'only the infinite big.sum is missing; the window’s other aggregates came out',
    );
    t.match(h.stderr(), /metrix-stream: 1 aggregate\(s\) dropped as not finite/);
    t.notMatch(h.stderr(), /error:/);
  },
);

// ---- regression: an error message quoted the whole offending field of a line (up to 1 MiB) ----

t.test(
  'listenersFuzz: a bad line with an enormous field gives a short message (HTTP answer, stderr), not a copy of it',
  async (t) => {
    const h = harness();
    // The default --max-line-length (1 MiB): these lines are long but not too long.
    const run = startCli(overflowConfig({ httpPort: 0, statsdPort: 0 }), h.io);
    const { http, statsd } = await deadline(run.listening, 10_000, 'the listeners');
    const big = 'x'.repeat(20_000);
    const digits = '9'.repeat(20_000);
    const statsdLines = [
      `a:1|${big}`, // unknown type
      `a:${big}|c`, // value
      `a:1|c|@${big}`, // sample rate
      `a:1|c|@2${'0'.repeat(20_000)}`, // sample rate out of range
      `a:1|c|T${big}`, // timestamp
      `a:1|c|T${digits}.0`, // timestamp out of range (finite)
      `a:1|c|${big}`, // unknown field
      `a:1|c|#:${big}`, // empty tag name
      `${big}|x:1|c`, // "|" in the name
    ];
    const ndjsonLines = [
      `{"name":"a","value":1,"tags":{"${big}":[1]}}`, // a tag of a bad type, named by a huge key
      `{"name":"a","value":"${big}"}`,
      `{"name":"${big}"}`,
      `"${big}"`,
      `{${big}`,
    ];
    const answer = await post(http?.port as number, `${ndjsonLines.join('\n')}\n{"name":"ok","value":1}\n`);
    t.equal(answer.status, 400);
    const body = JSON.parse(answer.body) as { accepted: number; malformed: number; errors: string[] };
    t.equal(body.accepted, 1, 'the valid line after them is accepted');
    t.equal(body.malformed, ndjsonLines.length);
    t.ok(answer.body.length < 10 * 1024, `the answer is ${answer.body.length} bytes`);
    const udp = createSocket('udp4');
    t.teardown(() => udp.close());
    for (const line of statsdLines) await sendUdp(udp, statsd?.port as number, Buffer.from(`${line}\nok:1|c`));
    await until(() => run.counts().in >= 1 + statsdLines.length, 'the datagrams routed', 10_000);
    run.stop();
    t.equal(await deadline(run.done, 10_000, 'the run to end'), 0);
    const longest = Math.max(
      ...h
        .stderr()
        .split('\n')
        .map((l) => l.length),
    );
    t.ok(longest < 1024, `the longest stderr line is ${longest} characters`);
    t.match(h.stderr(), `skipped ${ndjsonLines.length + statsdLines.length} malformed line(s)`);
    t.equal(total(h.stdout(), 'ok.count'), 1 + statsdLines.length);
  },
);

t.test(
  'listenersFuzz: 100 000 distinct tag sets over HTTP and 5 000 over UDP fold past --max-series, all counted',
  async (t) => {
    const h = harness();
    const maxSeries = 1000;
    const run = startCli(
      overflowConfig({ httpPort: 0, statsdPort: 0, maxSeries, defaultAgg: ['count'], streams: [SENTINEL] }),
      h.io,
    );
    const { http, statsd } = await deadline(run.listening, 10_000, 'the listeners');
    const n = 100_000;
    // One body, written in 64 KiB pieces that cut lines anywhere.
    let text = '';
    for (let i = 0; i < n; i++) text += `{"name":"flood","value":1,"tags":{"k":"${i}","__proto__":"${i % 3}"}}\n`;
    const body = Buffer.from(text);
    const answer = await deadline(
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: http?.port, method: 'POST', path: '/', agent: false }, (res) => {
          let answerText = '';
          res.on('data', (d) => (answerText += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: answerText }));
        });
        req.on('error', reject);
        for (let at = 0; at < body.length; at += 65_536) req.write(body.subarray(at, at + 65_536));
        req.end();
      }),
      20_000,
      'the answer to a 100 000-line body',
    );
    t.equal(answer.status, 200);
    t.match(JSON.parse(answer.body), { accepted: n, malformed: 0 });
    const udp = createSocket('udp4');
    t.teardown(() => udp.close());
    const m = 5_000;
    for (let i = 0; i < m; i++) await sendUdp(udp, statsd?.port as number, Buffer.from(`uflood:1|c|#k:${i}`));
    // What the kernel dropped is reported, and counted below.
    await ackUdp(udp, statsd?.port as number, h.stdout);
    run.stop();
    t.equal(await deadline(run.done, 10_000, 'the run to end'), 0);
    const out = aggregates(h.stdout());
    t.equal(total(h.stdout(), 'flood.count'), n, 'every HTTP value counted');
    const kernel = reported(h.stderr(), /the kernel dropped (\d+) UDP datagram/);
    const behind = reported(h.stderr(), /dropped (\d+) UDP datagram\(s\) while the pipeline was behind/);
    const counted = total(h.stdout(), 'uflood.count');
    // The drop counts may include sentinels sent again: at least every datagram is accounted for.
    t.ok(
      counted <= m && counted + kernel + behind >= m,
      `${counted} counted, ${kernel + behind} reported dropped, of ${m}`,
    );
    t.ok(
      out.filter((e) => e.name === 'flood.count').length <= maxSeries + 1,
      'at most --max-series series and the overflow one',
    );
    t.ok(
      out.some((e) => e.name === 'flood.count' && e.tags['metrix.overflow'] === 'true'),
      'the rest folded into metrix.overflow=true',
    );
    t.ok(
      reported(h.stderr(), /(\d+) value\(s\) folded into metrix\.overflow=true/) >= n - maxSeries,
      'and counted on stderr',
    );
  },
);

// Regression: under --event-time an element stamped at the last instant a Date holds (8.64e15,
// accepted by the parsers) fell in a window whose end is past it; building that window's
// aggregates threw at the flush and the command exited 1. The stream now refuses such a value
// (ERR_METRIX_INVALID_TIME) when it arrives: counted as refused, and the run goes on.
t.test('listenersFuzz: an event time at the end of what a Date holds does not make the command fail', async (t) => {
  const h = harness();
  const run = startCli(
    overflowConfig({ httpPort: 0, statsdPort: 0, windowTime: 'event', defaultWindowSize: 10, streams: [SENTINEL] }),
    h.io,
  );
  const { http, statsd } = await deadline(run.listening, 10_000, 'the listeners');
  const answer = await post(http?.port as number, '{"name":"edge","value":1,"time":8640000000000000}\n');
  t.equal(answer.status, 200, 'a valid line');
  const udp = createSocket('udp4');
  t.teardown(() => udp.close());
  await sendUdp(udp, statsd?.port as number, Buffer.from('uedge:1|c|T8640000000000'));
  await ackUdp(udp, statsd?.port as number, h.stdout);
  run.stop();
  t.equal(await deadline(run.done, 10_000, 'the run to end'), 0, 'exit 0');
  t.notMatch(h.stderr(), /error:/);
  t.match(h.stderr(), /2 element\(s\) refused by their stream, the first: .*window ending past/);
  t.equal(total(h.stdout(), 'edge.count') + total(h.stdout(), 'uedge.count'), 0, 'neither aggregated');
});

// ---- regression: a timing at a sample rate whose reciprocal overflows ----

t.test('listenersFuzz: a timer at |@1e-320 is malformed, not half aggregated and refused by its count', async (t) => {
  const h = harness();
  // Without --agg: the daemon's figures, a timer's count summing 1 / rate per value.
  const run = startCli(config({ statsdPort: 0, output: 'ndjson', defaultWindowSize: 1_000_000 }), h.io);
  const { statsd } = await deadline(run.listening, 10_000, 'the listener');
  const udp = createSocket('udp4');
  t.teardown(() => udp.close());
  await sendUdp(udp, statsd?.port as number, Buffer.from('lat:1|ms|@1e-320\nlat:3|h|@5e-324\nlat:2|ms\nlat:4|ms|@0.5'));
  await until(() => run.counts().in >= 2, 'the valid timings routed', 10_000);
  run.stop();
  t.equal(await deadline(run.done, 10_000, 'the run to end'), 0);
  const out = Object.fromEntries(aggregates(h.stdout()).map((e) => [e.name, e.value]));
  t.match(out, { 'lat.count': 1 + 2, 'lat.sum': 6, 'lat.lower': 2 }, 'only the two valid timings, in every figure');
  t.match(h.stderr(), /line 1: 1 \/ sample rate 1e-320 is not finite/);
  t.match(h.stderr(), /skipped 2 malformed line\(s\)/);
  t.notMatch(h.stderr(), /refused/, 'no value refused half-way by a companion stream');
});
