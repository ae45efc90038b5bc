import t from 'tap';
import { LineIngest } from '../../../src/cli/inputs/LineIngest.js';
import type { Router } from '../../../src/cli/Router.js';
import { ErrorCode, type MetrixError } from '../../../src/MetrixError.js';
import { LineReader } from '../../../src/parsers/LineReader.js';
import type { ParsedElement } from '../../../src/parsers/ParsedElement.js';
import { statsdFormat } from '../../../src/parsers/statsdFormat.js';

t.test('LineIngest: parses and routes each line at once; bad lines go to onBad, which decides', async (t) => {
  const routed: [string, boolean][] = [];
  const router = { route: (el: ParsedElement, fromClient: boolean) => routed.push([el.name, fromClient]) > 0 };
  const bad: MetrixError[] = [];
  const ingest = new LineIngest(
    statsdFormat(),
    router as unknown as Router,
    16,
    (err) => {
      bad.push(err);
      return bad.length < 2;
    },
    true,
  );
  const reader = new LineReader(16);
  const goOn = reader.write(Buffer.from('a:1:2|ms\nnope\nb:1|c\nthis line is far too long:1|c\nc:1|c\n'), ingest);
  t.equal(goOn, false, 'the second bad line stopped the chunk, as onBad asked');
  t.same(routed, [
    ['a', true],
    ['a', true],
    ['b', true],
  ]);
  t.equal(ingest.accepted, 3);
  t.equal(ingest.malformed, 2);
  t.same(
    bad.map((e) => [e.code, (e.input as { line: number }).line]),
    [
      [ErrorCode.MALFORMED_LINE, 2],
      [ErrorCode.LINE_TOO_LONG, 4],
    ],
  );
});
