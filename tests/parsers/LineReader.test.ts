import fc from 'fast-check';
import t from 'tap';
import { type LineHandler, LineReader } from '../../src/parsers/LineReader.js';

/** A handler that records lines and too-long reports; `stopAt` makes `line` return false there. */
function recorder(stopAt?: string) {
  const lines: [string, number][] = [];
  const tooLong: number[] = [];
  const handler: LineHandler = {
    line: (text, n) => {
      lines.push([text, n]);
      return text !== stopAt;
    },
    tooLong: (n) => {
      tooLong.push(n);
      return true;
    },
  };
  return { lines, tooLong, handler };
}

t.test('LineReader: lines across chunks, CRLF, blank lines, BOM, last line at end', async (t) => {
  const reader = new LineReader(100);
  const r = recorder();
  reader.write(Buffer.from('\ufeffa\r\n\n  \nb'), r.handler);
  reader.write(Buffer.from('c\nd'), r.handler);
  reader.end(r.handler);
  t.same(r.lines, [
    ['a', 1],
    ['bc', 4],
    ['d', 5],
  ]);
  t.equal(reader.lineCount, 5);
});

t.test('LineReader: a handler returning false stops the chunk there', async (t) => {
  const reader = new LineReader(100);
  const r = recorder('b');
  t.equal(reader.write(Buffer.from('a\nb\nc\n'), r.handler), false);
  t.same(
    r.lines.map(([l]) => l),
    ['a', 'b'],
  );
});

t.test('LineReader: too long lines are reported once and never buffered whole', async (t) => {
  const reader = new LineReader(10);
  const r = recorder();
  reader.write(Buffer.from('ok\n0123456789ABC'), r.handler);
  reader.write(Buffer.alloc(100_000, 'x'), r.handler);
  reader.write(Buffer.from('\nfine\n0123456789ABCDEF\n'), r.handler);
  reader.end(r.handler);
  t.same(
    r.lines.map(([l]) => l),
    ['ok', 'fine'],
  );
  t.same(r.tooLong, [2, 4]);
  t.equal(reader.lineCount, 4);
});

t.test('LineReader: end(dropTail) drops the unfinished line', async (t) => {
  const reader = new LineReader(100);
  const r = recorder();
  reader.write(Buffer.from('a\nhalf'), r.handler);
  reader.end(r.handler, true);
  t.same(r.lines, [['a', 1]]);
});

t.test('LineReader: any chunking gives the lines of the whole (property)', async (t) => {
  const whole = (bytes: Buffer) => {
    const reader = new LineReader(50);
    const r = recorder();
    reader.write(bytes, r.handler);
    reader.end(r.handler);
    return r;
  };
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.constantFrom('\n', '\r\n', 'é€😀')), {
        maxLength: 30,
      }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (parts, cuts) => {
        const bytes = Buffer.from(parts.join(''));
        const expected = whole(bytes);
        const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const reader = new LineReader(50);
        const r = recorder();
        let start = 0;
        for (const o of [...offsets, bytes.length]) {
          reader.write(bytes.subarray(start, o), r.handler);
          start = o;
        }
        reader.end(r.handler);
        t.same(r.lines, expected.lines);
        t.same(r.tooLong, expected.tooLong);
      },
    ),
    { numRuns: 300 },
  );
});
