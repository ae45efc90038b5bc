import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import { ErrorCode, type MetrixError } from '../../src/MetrixError.js';
import type { LineParser } from '../../src/parsers/LineParser.js';
import type { ParsedElement } from '../../src/parsers/ParsedElement.js';
import { parseNDJSON } from '../../src/parsers/parseNDJSON.js';

/** Feeds `chunks` to `parser`, ends it, and collects output and 'malformed' events. */
async function feed(
  parser: LineParser,
  chunks: readonly (string | Buffer)[],
): Promise<{ out: ParsedElement[]; malformed: MetrixError[] }> {
  const malformed: MetrixError[] = [];
  parser.on('malformed', (err: MetrixError) => malformed.push(err));
  const out: ParsedElement[] = [];
  await pipeline(Readable.from(chunks, { objectMode: false }), parser, async (source: AsyncIterable<ParsedElement>) => {
    for await (const el of source) out.push(el);
  });
  return { out, malformed };
}

/** Splits `buf` at the given sorted offsets. */
function splitAt(buf: Buffer, offsets: readonly number[]): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (const o of offsets) {
    parts.push(buf.subarray(start, o));
    start = o;
  }
  parts.push(buf.subarray(start));
  return parts.filter((p) => p.length > 0);
}

t.test('parseNDJSON: parses one element per line with tags and time', async (t) => {
  const { out } = await feed(parseNDJSON(), [
    '{"name":"a","value":1}\n{"name":"b","value":2.5,"tags":{"k":"v","n":3,"ok":true},"time":1700000000000}\n',
  ]);
  t.same(out, [
    { name: 'a', value: 1 },
    { name: 'b', value: 2.5, tags: { k: 'v', n: '3', ok: 'true' }, time: 1700000000000 },
  ]);
  t.notOk('tags' in (out[0] as object), 'no tags key when the line has none');
  t.ok(Object.isFrozen(out[1]?.tags), 'tags are frozen');
});

t.test('parseNDJSON: empty input gives no output and no error', async (t) => {
  t.same((await feed(parseNDJSON(), [])).out, []);
  t.same((await feed(parseNDJSON(), [''])).out, []);
  t.same((await feed(parseNDJSON(), ['\n\n  \r\n\t\n'])).out, [], 'only blank lines');
});

t.test('parseNDJSON: CRLF, blank lines, BOM and a last line without newline', async (t) => {
  const parser = parseNDJSON();
  const { out } = await feed(parser, [
    '\uFEFF{"name":"a","value":1}\r\n\r\n   \n{"name":"b","value":2}\r\n{"name":"c","value":3}',
  ]);
  t.same(
    out.map((e) => e.name),
    ['a', 'b', 'c'],
  );
  t.equal(parser.lineCount, 5);
});

t.test('parseNDJSON: a single line without newline', async (t) => {
  t.same((await feed(parseNDJSON(), ['{"name":"x","value":-0.5}'])).out, [{ name: 'x', value: -0.5 }]);
});

t.test('parseNDJSON: null tags and null time mean none; other fields are ignored', async (t) => {
  const { out } = await feed(parseNDJSON(), ['{"name":"a","value":1,"tags":null,"time":null,"extra":[1]}\n']);
  t.same(out, [{ name: 'a', value: 1 }]);
});

t.test('parseNDJSON: multi-byte UTF-8 split inside a character', async (t) => {
  const buf = Buffer.from('{"name":"größe","value":1,"tags":{"π":"😀"}}\n');
  const emoji = buf.indexOf(Buffer.from('😀'));
  const { out } = await feed(parseNDJSON(), [
    buf.subarray(0, emoji + 1),
    buf.subarray(emoji + 1, emoji + 3),
    buf.subarray(emoji + 3),
  ]);
  t.same(out, [{ name: 'größe', value: 1, tags: { π: '😀' } }]);
});

t.test('parseNDJSON: a malformed line fails with its line number and reason', async (t) => {
  await t.rejects(feed(parseNDJSON(), ['{"name":"a","value":1}\n\n{"name":"b",\n{"name":"c","value":3}\n']), {
    code: ErrorCode.MALFORMED_LINE,
  });
  const e = await new Promise<MetrixError>((resolve) => {
    const p = parseNDJSON();
    p.on('error', resolve);
    p.resume();
    p.end('{"name":"a","value":1}\n\n{"name":"b",\n');
  });
  t.equal(e.code, ErrorCode.MALFORMED_LINE);
  t.match(e.message, /line 3/);
  t.match(e.message, /invalid JSON/);
  t.same(e.input, { line: 3, text: '{"name":"b",' });
  t.type(e.cause, SyntaxError);
});

t.test('parseNDJSON: each invalid field is a malformed line whose cause names the field', async (t) => {
  const cases: [string, string][] = [
    ['[1,2]', ErrorCode.INVALID_ELEMENT],
    ['42', ErrorCode.INVALID_ELEMENT],
    ['null', ErrorCode.INVALID_ELEMENT],
    ['{"value":1}', ErrorCode.INVALID_NAME],
    ['{"name":"","value":1}', ErrorCode.INVALID_NAME],
    ['{"name":7,"value":1}', ErrorCode.INVALID_NAME],
    ['{"name":"a"}', ErrorCode.INVALID_VALUE],
    ['{"name":"a","value":"3"}', ErrorCode.INVALID_VALUE],
    ['{"name":"a","value":1e999}', ErrorCode.INVALID_VALUE],
    ['{"name":"a","value":null}', ErrorCode.INVALID_VALUE],
    ['{"name":"a","value":1,"tags":[1]}', ErrorCode.INVALID_TAGS],
    ['{"name":"a","value":1,"tags":{"k":{"deep":1}}}', ErrorCode.INVALID_TAGS],
    ['{"name":"a","value":1,"tags":"k=v"}', ErrorCode.INVALID_TAGS],
    ['{"name":"a","value":1,"time":"2024-01-01"}', ErrorCode.INVALID_TIME],
  ];
  for (const [line, causeCode] of cases) {
    const parser = parseNDJSON({ onMalformed: 'skip' });
    const { out, malformed } = await feed(parser, [`{"name":"ok","value":0}\n${line}\n{"name":"ok","value":1}\n`]);
    t.equal(out.length, 2, `${line}: the lines around it are kept`);
    t.equal(malformed.length, 1, line);
    t.equal(malformed[0]?.code, ErrorCode.MALFORMED_LINE, line);
    t.equal((malformed[0]?.cause as MetrixError | undefined)?.code, causeCode, `${line}: cause`);
    t.match(malformed[0]?.message, /parseNDJSON: line 2: /, line);
  }
});

t.test('parseNDJSON: skip mode counts, reports and keeps every valid line', async (t) => {
  const parser = parseNDJSON({ onMalformed: 'skip' });
  const { out, malformed } = await feed(parser, [
    'garbage\n{"name":"a","value":1}\n{"name":"b"}\n{"name":"c","value":3}\n{oops',
  ]);
  t.same(
    out.map((e) => e.name),
    ['a', 'c'],
  );
  t.equal(parser.malformedCount, 3);
  t.same(
    malformed.map((e) => (e.input as { line: number }).line),
    [1, 3, 5],
  );
});

t.test('parseNDJSON: elements before a bad line reach a consumer that reads late', async (t) => {
  // Everything is written before anyone reads: the valid elements sit in the readable buffer
  // when the bad line is found, and must not be discarded by the failure.
  const parser = parseNDJSON();
  parser.write('{"name":"a","value":1}\n{"name":"b","value":2}\n');
  parser.write('{"name":"c","value":3}\nbad\n{"name":"d","value":4}\n');
  parser.end();
  const errors: Error[] = [];
  parser.on('error', (e) => errors.push(e));
  await new Promise((r) => setImmediate(r));
  t.same(errors, [], 'no failure while valid elements are unread');
  t.equal(parser.readableLength, 3);
  const got: string[] = [];
  await t.rejects(
    (async () => {
      for await (const el of parser) got.push((el as ParsedElement).name);
    })(),
    { code: ErrorCode.MALFORMED_LINE, input: { line: 4 } },
  );
  t.same(got, ['a', 'b', 'c']);
});

t.test('parseNDJSON: a bad last line without newline fails after the earlier ones are read', async (t) => {
  const parser = parseNDJSON();
  parser.end('{"name":"a","value":1}\n{"name":');
  const got: string[] = [];
  await t.rejects(
    (async () => {
      for await (const el of parser) got.push((el as ParsedElement).name);
    })(),
    { code: ErrorCode.MALFORMED_LINE, input: { line: 2 } },
  );
  t.same(got, ['a']);
});

t.test('parseNDJSON: a line longer than maxLineLength fails with LINE_TOO_LONG', async (t) => {
  const long = `{"name":"a","value":1,"tags":{"x":"${'y'.repeat(100)}"}}`;
  await t.rejects(feed(parseNDJSON({ maxLineLength: 50 }), [`${long}\n`]), {
    code: ErrorCode.LINE_TOO_LONG,
    input: { line: 1 },
  });
  // Exactly at the limit is fine, CRLF's \r not counted.
  const exact = '{"name":"a","value":1}';
  t.same((await feed(parseNDJSON({ maxLineLength: exact.length }), [`${exact}\r\n`])).out, [{ name: 'a', value: 1 }]);
  await t.rejects(feed(parseNDJSON({ maxLineLength: exact.length - 1 }), [`${exact}\r\n`]), {
    code: ErrorCode.LINE_TOO_LONG,
  });
});

t.test('parseNDJSON: a huge line without newline is discarded without buffering it', async (t) => {
  const parser = parseNDJSON({ maxLineLength: 1000, onMalformed: 'skip' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  async function* source() {
    yield '{"name":"before","value":1}\n';
    for (let i = 0; i < 160; i++) yield chunk; // 10 MiB on one line
    yield '\n{"name":"after","value":2}';
  }
  const malformed: MetrixError[] = [];
  parser.on('malformed', (e: MetrixError) => malformed.push(e));
  let maxHeld = 0;
  parser.on('data', () => {});
  const out: string[] = [];
  parser.on('data', (e: ParsedElement) => out.push(e.name));
  for await (const c of source()) {
    if (!parser.write(c)) await new Promise((r) => parser.once('drain', r));
    maxHeld = Math.max(maxHeld, parser.writableLength);
  }
  parser.end();
  await new Promise((r) => parser.on('finish', r));
  t.same(out, ['before', 'after']);
  t.equal(malformed.length, 1);
  t.equal(malformed[0]?.code, ErrorCode.LINE_TOO_LONG);
  t.same((malformed[0]?.input as { line: number } | undefined)?.line, 2);
  t.equal(parser.lineCount, 3);
  t.ok(maxHeld <= 128 * 1024, 'writes are consumed as they come, not queued');
});

t.test('parseNDJSON: accepts strings and Buffers in any mix', async (t) => {
  const { out } = await feed(parseNDJSON(), ['{"name":"a",', Buffer.from('"value":1}\n{"name"'), ':"b","value":2}\n']);
  t.same(
    out.map((e) => e.name),
    ['a', 'b'],
  );
});

t.test('parseNDJSON: invalid options throw INVALID_ARGUMENT', async (t) => {
  for (const options of [
    { maxLineLength: 0 },
    { maxLineLength: 1.5 },
    { maxLineLength: '10' },
    { onMalformed: 'drop' },
    { highWaterMark: -1 },
  ]) {
    t.throws(() => parseNDJSON(options as never), { code: ErrorCode.INVALID_ARGUMENT }, JSON.stringify(options));
  }
});

t.test('parseNDJSON: backpressure with a tiny highWaterMark keeps order and loses nothing', async (t) => {
  const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ name: 'n', value: i })).join('\n');
  const parser = parseNDJSON({ highWaterMark: 1 });
  const out: number[] = [];
  await pipeline(Readable.from([lines]), parser, async (source: AsyncIterable<ParsedElement>) => {
    for await (const el of source) {
      out.push(el.value);
      if (el.value % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  });
  t.same(
    out,
    Array.from({ length: 500 }, (_, i) => i),
  );
});

t.test('parseNDJSON: destroy() mid-stream drops the partial line and closes', async (t) => {
  const parser = parseNDJSON();
  parser.write('{"name":"a","val');
  parser.destroy();
  await new Promise((r) => parser.on('close', r));
  t.ok(parser.destroyed);
});

const SAMPLE = Buffer.from(
  [
    '\uFEFF{"name":"articles","value":1,"tags":{"section":"sport"},"time":1}',
    '',
    '{"name":"words","value":523,"tags":{"section":"économie","émoji":"🎉"}}\r',
    'not json at all',
    '{"name":"wörds","value":1e3}',
    `{"name":"long","value":1,"tags":{"x":"${'z'.repeat(60)}"}}`,
    '   ',
    '{"name":"last","value":-7.25,"time":1700000000123}',
  ].join('\n'),
);

t.test('parseNDJSON: splitting the sample at every byte offset gives the same output', async (t) => {
  const whole = await feed(parseNDJSON({ onMalformed: 'skip', maxLineLength: 80 }), [SAMPLE]);
  t.equal(whole.out.length, 4);
  t.same(
    whole.malformed.map((e) => e.code),
    [ErrorCode.MALFORMED_LINE, ErrorCode.LINE_TOO_LONG],
  );
  const lines = (r: typeof whole) => r.malformed.map((e) => (e.input as { line: number }).line);
  for (let offset = 1; offset < SAMPLE.length; offset++) {
    const split = await feed(parseNDJSON({ onMalformed: 'skip', maxLineLength: 80 }), splitAt(SAMPLE, [offset]));
    if (JSON.stringify(split.out) !== JSON.stringify(whole.out) || String(lines(split)) !== String(lines(whole))) {
      t.fail(`differs when split at byte ${offset}`);
      return;
    }
  }
  t.pass('all offsets agree');
});

t.test('parseNDJSON: any chunking of the sample gives the same output (property)', async (t) => {
  const whole = await feed(parseNDJSON({ onMalformed: 'skip', maxLineLength: 80 }), [SAMPLE]);
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 1, max: SAMPLE.length - 1 }), { maxLength: 40 }),
      async (cuts) => {
        const offsets = [...cuts].sort((a, b) => a - b);
        const split = await feed(parseNDJSON({ onMalformed: 'skip', maxLineLength: 80 }), splitAt(SAMPLE, offsets));
        t.strictSame(split.out, whole.out);
        t.strictSame(
          split.malformed.map((e) => [e.code, (e.input as { line: number }).line]),
          whole.malformed.map((e) => [e.code, (e.input as { line: number }).line]),
        );
      },
    ),
    { numRuns: 200 },
  );
  t.pass('200 random chunkings agree');
});

t.test('parseNDJSON: random elements round-trip through JSON lines in random chunks (property)', async (t) => {
  const element = fc.record(
    {
      name: fc.string({ minLength: 1, unit: 'grapheme' }),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      tags: fc.dictionary(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), { maxKeys: 3 }),
      time: fc.integer({ min: 0, max: 2 ** 45 }),
    },
    { requiredKeys: ['name', 'value'] },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(element, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), async (els, cuts) => {
      const buf = Buffer.from(els.map((e) => JSON.stringify(e)).join('\n'));
      const offsets = [...new Set(cuts.map((c) => (buf.length > 1 ? 1 + (c % (buf.length - 1)) : 0)))]
        .filter((o) => o > 0)
        .sort((a, b) => a - b);
      const { out } = await feed(parseNDJSON(), splitAt(buf, offsets));
      // JSON turns -0 into 0; everything else comes back as it was written.
      return isDeepStrictEqual(out, JSON.parse(JSON.stringify(els)));
    }),
    { numRuns: 100 },
  );
  t.pass('100 random inputs round-trip');
});

t.test('parseNDJSON: a time a Date cannot hold is INVALID_TIME at parse time', async (t) => {
  for (const time of ['1e300', '8.640000000000001e15', '-1e16']) {
    const { out, malformed } = await feed(parseNDJSON({ onMalformed: 'skip' }), [
      `{"name":"a","value":1,"time":${time}}\n{"name":"b","value":2,"time":8.64e15}\n`,
    ]);
    t.equal(malformed.length, 1, time);
    t.equal((malformed[0]?.cause as MetrixError | undefined)?.code, ErrorCode.INVALID_TIME, time);
    t.same(
      out.map((e) => e.name),
      ['b'],
      'the largest time a Date holds is fine',
    );
  }
});

t.test('parseNDJSON: lines with the same tags text share one frozen tags object', async (t) => {
  const { out } = await feed(parseNDJSON(), [
    [
      { name: 'a', value: 1, tags: { k: 'v', n: 1 } },
      { name: 'b', value: 2, tags: { k: 'v', n: 1 } },
      { name: 'a', value: 3, tags: { k: 'w' } },
    ]
      .map((o) => `${JSON.stringify(o)}\n`)
      .join(''),
  ]);
  t.same(out[0]?.tags, { k: 'v', n: '1' });
  t.equal(out[0]?.tags, out[1]?.tags, 'one object for one tags text');
  t.ok(Object.isFrozen(out[0]?.tags));
  t.same(out[2]?.tags, { k: 'w' });
});

t.test('parseNDJSON: the tags cache is not fooled by a nested or repeated "tags" key', async (t) => {
  const { out } = await feed(parseNDJSON(), [
    '{"name":"a","value":1,"tags":{"k":"v"}}\n',
    '{"name":"a","value":1,"meta":{"tags":{"k":"v"}},"tags":{"k":"other"}}\n',
    '{"name":"a","value":1,"tags":{"k":"v"},"tags":{"k":"last"}}\n',
    '{"name":"a","value":1,"tags":{"k":"v","x":"1"}}\n',
    '{"name":"a","value":1,"tags":{"k":"v"}}\n',
  ]);
  t.same(
    out.map((e) => e.tags),
    [{ k: 'v' }, { k: 'other' }, { k: 'last' }, { k: 'v', x: '1' }, { k: 'v' }],
  );
});
