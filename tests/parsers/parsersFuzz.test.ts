// Fuzzing both parsers with random and adversarial bytes: whatever comes in, a parser must not
// crash or hang, must report each bad line as a coded error (or skip it, counted), must never
// emit an element that breaks the ParsedElement contract, and must still parse the valid lines
// around the bad ones. One run with a fixed seed (reproducible), one with a random seed, printed.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import t from 'tap';
import { ErrorCode, type MetrixError } from '../../src/MetrixError.js';
import type { LineParser } from '../../src/parsers/LineParser.js';
import type { ParsedElement } from '../../src/parsers/ParsedElement.js';
import { parseNDJSON } from '../../src/parsers/parseNDJSON.js';
import { parseStatsD } from '../../src/parsers/parseStatsD.js';

const MAX_LINE = 1024;
const DEADLINE_MS = 10_000;

/** Byte strings no valid line is made of: invalid UTF-8, control bytes, lone surrogates. */
const nastyBytes = fc.constantFrom(
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.from([0xc3]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0x00, 0x01, 0x1b, 0x7f]),
  Buffer.from('\r'),
  Buffer.from('\ufeff'),
);

/** Texts aimed at the parsers' edges. */
const nastyTexts = fc.constantFrom(
  '{"name":"__proto__","value":1,"tags":{"__proto__":"x","constructor":"y","prototype":"z"}}',
  '{"__proto__":{"polluted":1},"name":"p","value":1}',
  '{"name":"a","value":-0}',
  '{"name":"a","value":1e999}',
  '{"name":"a","value":"Infinity"}',
  '{"name":"a","value":1,"time":1e300}',
  '{"name":"a","value":1,"time":-8.64e16}',
  '{"name":"a","value":1,"tags":{"k":{"nested":1}}}',
  '{"name":"a","value":1,"tags":{"k":"v"},"tags":{"k":[1]}}',
  '{"name":"","value":1}',
  '[1,2,3]',
  'null',
  '{"name":"a","value":1',
  `{"name":"${'n'.repeat(3000)}","value":1}`,
  'a:1e308|c|@1e-300',
  'a:1e308|g\na:+1e308|g',
  'a:-0|c',
  'a:Infinity|c',
  'a:NaN|ms',
  'a:1|ms|T1e300',
  'a:1|c|T-9e15',
  'a:1e99999|h',
  '__proto__:1|c|#__proto__:x,constructor:y',
  'a:1|s|@0.5|#__proto__',
  '_e{1,1}:a|b',
  '_sc|x|0',
  `a:1|c|#${'k:v,'.repeat(400)}`,
  ':|',
  '|||',
  'a:1:2:3:x|ms',
);

/** A bad segment: random bytes, a nasty text, nasty bytes, or an enormous line. */
const badSegment = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  nastyTexts.map((s) => Buffer.from(s)),
  nastyBytes,
  fc.integer({ min: MAX_LINE + 1, max: 4 * MAX_LINE }).map((n) => Buffer.alloc(n, 'x')),
);

type Format = 'ndjson' | 'statsd';

function validLine(format: Format, i: number): string {
  return format === 'ndjson'
    ? `{"name":"valid_${i}","value":${i},"tags":{"k":"v${i % 3}"}}`
    : `valid_${i}:${i}|c|#k:v${i % 3}`;
}

/** Runs `parser` over `chunks` within the deadline; resolves with its output and reports. */
async function run(parser: LineParser, chunks: Buffer[]): Promise<{ out: ParsedElement[]; malformed: MetrixError[] }> {
  const malformed: MetrixError[] = [];
  const out: ParsedElement[] = [];
  parser.on('malformed', (err: MetrixError) => malformed.push(err));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the parser did not finish within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    await Promise.race([
      pipeline(Readable.from(chunks, { objectMode: false }), parser, async (source: AsyncIterable<ParsedElement>) => {
        for await (const el of source) out.push(el);
      }),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return { out, malformed };
}

/** Whether `el` keeps the ParsedElement contract. */
function wellFormed(el: ParsedElement): boolean {
  if (typeof el.name !== 'string' || el.name.length === 0) return false;
  if (typeof el.value !== 'number' || !Number.isFinite(el.value)) return false;
  if (el.time !== undefined && !(Number.isFinite(el.time) && !Number.isNaN(new Date(el.time).getTime()))) return false;
  if (el.tags !== undefined) {
    if (!Object.isFrozen(el.tags) || Object.getPrototypeOf(el.tags) !== Object.prototype) return false;
    for (const name of Object.keys(el.tags)) if (typeof el.tags[name] !== 'string') return false;
  }
  return true;
}

function property(format: Format) {
  return fc.asyncProperty(
    fc.array(badSegment, { minLength: 1, maxLength: 12 }),
    fc.array(fc.nat(), { maxLength: 20 }),
    async (bads, cuts) => {
      // valid, bad, valid, bad, …, valid — each bad segment between newlines.
      const parts: Buffer[] = [Buffer.from(`${validLine(format, 0)}\n`)];
      bads.forEach((bad, i) => {
        parts.push(bad, Buffer.from(`\n${validLine(format, i + 1)}\n`));
      });
      const bytes = Buffer.concat(parts);
      const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let start = 0;
      for (const o of [...offsets, bytes.length]) {
        if (o > start) chunks.push(bytes.subarray(start, o));
        start = o;
      }
      const parser =
        format === 'ndjson'
          ? parseNDJSON({ onMalformed: 'skip', maxLineLength: MAX_LINE })
          : parseStatsD({ onMalformed: 'skip', maxLineLength: MAX_LINE });
      const { out, malformed } = await run(parser, chunks);
      for (const el of out) if (!wellFormed(el)) throw new Error(`ill-formed element ${JSON.stringify(el)}`);
      for (const err of malformed) {
        if (err.code !== ErrorCode.MALFORMED_LINE && err.code !== ErrorCode.LINE_TOO_LONG) {
          throw new Error(`uncoded report ${err.code}: ${err.message}`);
        }
      }
      const valid = out.filter((el) => /^valid_\d+$/.test(el.name)).map((el) => el.name);
      const expected = Array.from({ length: bads.length + 1 }, (_, i) => `valid_${i}`);
      if (JSON.stringify(valid) !== JSON.stringify(expected)) {
        throw new Error(`valid lines lost or reordered: ${valid.join(',')}`);
      }
      if (({} as Record<string, unknown>).polluted !== undefined) throw new Error('Object.prototype was polluted');
    },
  );
}

const randomSeed = (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;

for (const format of ['ndjson', 'statsd'] as const) {
  for (const [label, seed] of [
    ['fixed seed', 20261202],
    ['random seed', randomSeed],
  ] as const) {
    t.test(`parsers: ${format} survives random and adversarial bytes (${label} ${seed})`, async (t) => {
      try {
        await fc.assert(property(format), { seed, numRuns: 150 });
      } catch (err) {
        // fast-check's report names the seed and the shrunk counterexample; say the seed first.
        t.fail(`seed ${seed} (rerun with it): ${(err as Error).message.slice(0, 2000)}`);
        return;
      }
      t.pass(`150 runs, seed ${seed}`);
    });
  }
}

t.test('parsers: an error-mode parser fails with a coded error on adversarial input, never crashes', async (t) => {
  for (const [make, text] of [
    [() => parseNDJSON(), '{"name":"a","value":1}\n\xff\xfe{"__proto__":1}\n'],
    [() => parseStatsD(), 'a:1|c\na:1e308|c|@1e-10\n'],
  ] as const) {
    await t.rejects(run(make(), [Buffer.from(text, 'latin1')]), { code: ErrorCode.MALFORMED_LINE });
  }
});
