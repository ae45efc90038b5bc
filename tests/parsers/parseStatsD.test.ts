import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import { ErrorCode, type MetrixError } from '../../src/MetrixError.js';
import type { LineParser } from '../../src/parsers/LineParser.js';
import { parseStatsD, type StatsDElement } from '../../src/parsers/parseStatsD.js';
import { installClock } from '../helpers/clock.js';

async function feed(
  parser: LineParser,
  chunks: readonly (string | Buffer)[],
): Promise<{ out: StatsDElement[]; malformed: MetrixError[] }> {
  const malformed: MetrixError[] = [];
  parser.on('malformed', (err: MetrixError) => malformed.push(err));
  const out: StatsDElement[] = [];
  await pipeline(Readable.from(chunks, { objectMode: false }), parser, async (source: AsyncIterable<StatsDElement>) => {
    for await (const el of source) out.push(el);
  });
  return { out, malformed };
}

t.test('parseStatsD: counters, timers, histograms, distributions and gauges', async (t) => {
  const { out } = await feed(parseStatsD(), ['hits:1|c\nlatency:12.5|ms\nsize:-3|h\npayload:7|d\ntemp:20|g\n']);
  t.same(out, [
    { name: 'hits', value: 1, type: 'c' },
    { name: 'latency', value: 12.5, type: 'ms' },
    { name: 'size', value: -3, type: 'h' },
    { name: 'payload', value: 7, type: 'd' },
    { name: 'temp', value: 20, type: 'g' },
  ]);
});

t.test('parseStatsD: a counter sample rate scales the value; a timer keeps it', async (t) => {
  const { out } = await feed(parseStatsD(), ['hits:2|c|@0.1\nlatency:30|ms|@0.5\ntemp:3|g|@0.5']);
  t.same(
    out.map((e) => e.value),
    [20, 30, 3],
  );
});

t.test('parseStatsD: DogStatsD tags, timestamps and container ids', async (t) => {
  const { out } = await feed(parseStatsD(), [
    'req:1|c|@0.5|#route:/a/b,status:200,canary,url:http://x:80\n',
    'req:1|c|#status:500|T1700000000|c:abc123\n',
    'req:1|c|#\n',
  ]);
  t.same(out, [
    { name: 'req', value: 2, type: 'c', tags: { route: '/a/b', status: '200', canary: '', url: 'http://x:80' } },
    { name: 'req', value: 1, type: 'c', tags: { status: '500' }, time: 1700000000000 },
    { name: 'req', value: 1, type: 'c' },
  ]);
  t.ok(Object.isFrozen(out[0]?.tags));
});

t.test('parseStatsD: multi-value lines give one element per value', async (t) => {
  const { out } = await feed(parseStatsD(), ['latency:1:2:3|ms|#k:v\n']);
  t.same(
    out.map((e) => [e.value, e.tags]),
    [
      [1, { k: 'v' }],
      [2, { k: 'v' }],
      [3, { k: 'v' }],
    ],
  );
});

t.test('parseStatsD: gauge deltas add to the current value of their own series', async (t) => {
  const { out } = await feed(parseStatsD(), [
    'temp:+5|g\ntemp:20|g\ntemp:-3|g\ntemp:+1.5|g\ntemp:+2|g|#room:a\ntemp:-1|g\ntemp:7|g\n',
  ]);
  t.same(
    out.map((e) => e.value),
    [5, 20, 17, 18.5, 2, 17.5, 7],
  );
});

t.test('parseStatsD: CRLF, blank lines, no final newline, empty input', async (t) => {
  t.same((await feed(parseStatsD(), [])).out, []);
  const { out } = await feed(parseStatsD(), ['a:1|c\r\n\r\n\nb:2|c']);
  t.same(
    out.map((e) => e.name),
    ['a', 'b'],
  );
});

t.test('parseStatsD: malformed lines name the line and reason; neighbours are kept', async (t) => {
  const bad = [
    'nocolon',
    ':1|c',
    'a:1',
    'a:1|',
    'a:1|x',
    'a:abc|c',
    'a:|c',
    'a:0x10|c',
    'a:Infinity|g',
    'a:-1|ms',
    'a:1|c|@0',
    'a:1|c|@1.5',
    'a:1|c|@x',
    'a:1|c|wat',
    'a:1|c|#:v',
    'a:1:x|ms',
    'a|b:1|c',
    'a:1|c|Tsoon',
  ];
  for (const line of bad) {
    const parser = parseStatsD({ onMalformed: 'skip' });
    const { out, malformed } = await feed(parser, [`ok:1|c\n${line}\nok:2|c\n`]);
    t.same(
      out.map((e) => e.value),
      [1, 2],
      `${line}: neighbours kept, nothing of the bad line`,
    );
    t.equal(malformed.length, 1, line);
    t.equal(malformed[0]?.code, ErrorCode.MALFORMED_LINE, line);
    t.match(malformed[0]?.message, /^parseStatsD: line 2: /, line);
    t.same(malformed[0]?.input, { line: 2, text: line }, line);
  }
});

t.test('parseStatsD: the default is to fail on a malformed line', async (t) => {
  await t.rejects(feed(parseStatsD(), ['a:1|c\nb:1|zz\n']), { code: ErrorCode.MALFORMED_LINE, input: { line: 2 } });
});

t.test('parseStatsD: a too long line is LINE_TOO_LONG', async (t) => {
  await t.rejects(feed(parseStatsD({ maxLineLength: 10 }), [`${'a'.repeat(20)}:1|c\n`]), {
    code: ErrorCode.LINE_TOO_LONG,
  });
});

t.test('parseStatsD: invalid options throw INVALID_ARGUMENT', async (t) => {
  t.throws(() => parseStatsD({ maxLineLength: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => parseStatsD({ onMalformed: 'ignore' as never }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('parseStatsD: any chunking of a packet stream gives the same output (property)', async (t) => {
  const sample = Buffer.from(
    'hits:1|c|@0.25|#é:ü\ntemp:+2|g\nbad line\nlatency:1:2|ms|#k:v\r\ntemp:-1|g\n\nsize:3|h|T1700000000',
  );
  const whole = await feed(parseStatsD({ onMalformed: 'skip' }), [sample]);
  t.equal(whole.out.length, 6);
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 1, max: sample.length - 1 }), { maxLength: 30 }),
      async (cuts) => {
        const offsets = [0, ...[...cuts].sort((a, b) => a - b), sample.length];
        const chunks = offsets.slice(1).map((end, i) => sample.subarray(offsets[i], end));
        const split = await feed(parseStatsD({ onMalformed: 'skip' }), chunks);
        return isDeepStrictEqual(split.out, whole.out) && split.malformed.length === 1;
      },
    ),
    { numRuns: 200 },
  );
  t.pass('200 chunkings agree');
});

t.test('parseStatsD: a set member becomes one number per distinct member', async (t) => {
  const { out, malformed } = await feed(parseStatsD({ onMalformed: 'skip' }), [
    'users:alice|s\nusers:bob|s|#k:v\nusers:alice|s\nusers:a:b|s\nusers:|s\n',
  ]);
  t.equal(malformed.length, 1, 'an empty member is malformed');
  t.same(
    out.map((e) => [e.type, e.tags]),
    [
      ['s', undefined],
      ['s', { k: 'v' }],
      ['s', undefined],
      ['s', undefined],
    ],
  );
  const [alice, bob, alice2, ab] = out.map((e) => e.value);
  t.equal(alice, alice2, 'one member, one number');
  t.not(alice, bob);
  t.not(alice, ab, 'a member may hold ":"');
  t.ok(
    out.every((e) => Number.isSafeInteger(e.value)),
    'exact integers',
  );
});

t.test('parseStatsD: events and service checks are ignored and counted, not malformed', async (t) => {
  const parser = parseStatsD();
  const { out, malformed } = await feed(parser, ['a:1|c\n_e{5,4}:title|text|#k:v\n_sc|db.up|0|#env:prod\nb:2|c\n']);
  t.same(
    out.map((e) => e.name),
    ['a', 'b'],
  );
  t.equal(malformed.length, 0);
  t.equal(parser.events, 1);
  t.equal(parser.serviceChecks, 1);
});

t.test('parseStatsD: a sampled timer carries its rate, so that it counts 1/rate', async (t) => {
  const { out } = await feed(parseStatsD(), ['lat:30|ms|@0.25\nlat:10|ms\nsize:4|h|@0.5\nhits:1|c|@0.5\n']);
  t.same(out, [
    { name: 'lat', value: 30, type: 'ms', sampleRate: 0.25 },
    { name: 'lat', value: 10, type: 'ms' },
    { name: 'size', value: 4, type: 'h', sampleRate: 0.5 },
    { name: 'hits', value: 2, type: 'c' },
  ]);
});

t.test('parseStatsD: never emits a non-finite value: overflowing rates and deltas are malformed', async (t) => {
  const bad = ['big:1e308|c|@0.001', 'g:1e308|g\ng:+1e308|g', 'g2:-1e308|g\ng2:-1e308|g'];
  for (const lines of bad) {
    const { out, malformed } = await feed(parseStatsD({ onMalformed: 'skip' }), [`ok:1|c\n${lines}\nok:2|c\n`]);
    t.ok(
      out.every((e) => Number.isFinite(e.value)),
      `${JSON.stringify(lines)}: every value finite`,
    );
    t.equal(malformed.length, 1, lines);
    t.equal((malformed[0]?.cause as MetrixError | undefined)?.code, ErrorCode.INVALID_VALUE, lines);
    t.same(out.at(-1)?.value, 2, 'the line after is parsed');
  }
});

t.test('parseStatsD: a timestamp a Date cannot hold is INVALID_TIME at parse time', async (t) => {
  for (const ts of ['1e300', '9e12', '-9e12']) {
    const { out, malformed } = await feed(parseStatsD({ onMalformed: 'skip' }), [`a:1|c|T${ts}\nb:1|c|T1700000000\n`]);
    t.equal(malformed.length, 1, ts);
    t.equal(malformed[0]?.code, ErrorCode.MALFORMED_LINE);
    t.equal((malformed[0]?.cause as MetrixError | undefined)?.code, ErrorCode.INVALID_TIME, ts);
    t.same(
      out.map((e) => e.time),
      [1700000000000],
    );
  }
});

t.test('parseStatsD: gauge series are bounded in number and expire when idle', async (t) => {
  const clock = installClock(t);
  const parser = parseStatsD({ maxGauges: 2, gaugeExpiryMs: 60_000 });
  const values: number[] = [];
  parser.on('data', (e: StatsDElement) => values.push(e.value));
  const send = async (text: string) => {
    parser.write(text);
    await new Promise((r) => setImmediate(r));
  };
  await send('a:10|g\nb:20|g\n');
  await send('c:30|g\n'); // a, the least recently set, is forgotten: 2 series at most
  await send('a:+1|g\nc:+1|g\n');
  t.same(values.slice(-2), [1, 31], 'a delta to a forgotten series starts from 0; c was kept');
  clock.tick(60_001);
  await send('c:+1|g\n');
  t.same(values.at(-1), 1, 'c was idle longer than gaugeExpiryMs: forgotten');
  t.throws(() => parseStatsD({ maxGauges: 0 }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => parseStatsD({ gaugeExpiryMs: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
  parser.end();
});
