import t from 'tap';
import { ErrorCode, type MetrixError } from '../../src/MetrixError.js';
import { LineParser } from '../../src/parsers/LineParser.js';
import type { ParsedElement } from '../../src/parsers/ParsedElement.js';

/** `name=value` lines; `name=a,b` gives two elements; `-` gives none; anything else throws. */
class KeyValueParser extends LineParser {
  protected parseLine(text: string): ParsedElement | ParsedElement[] | undefined {
    if (text === '-') return undefined;
    const [name, values] = text.split('=');
    if (name === undefined || values === undefined) throw new Error('expected name=value');
    const parsed = values.split(',').map((v) => ({ name, value: Number(v) }));
    return parsed.length === 1 ? parsed[0] : parsed;
  }
}

async function collect(parser: LineParser): Promise<ParsedElement[]> {
  const out: ParsedElement[] = [];
  for await (const el of parser) out.push(el as ParsedElement);
  return out;
}

t.test('LineParser: a line may give one, several or no elements, in order', async (t) => {
  const parser = new KeyValueParser('kv');
  parser.end('a=1\nb=2,3\n-\nc=4');
  t.same(await collect(parser), [
    { name: 'a', value: 1 },
    { name: 'b', value: 2 },
    { name: 'b', value: 3 },
    { name: 'c', value: 4 },
  ]);
  t.equal(parser.lineCount, 4);
});

t.test('LineParser: the thrown reason becomes the message and the cause', async (t) => {
  const parser = new KeyValueParser('kv', { onMalformed: 'skip' });
  const errors: MetrixError[] = [];
  parser.on('malformed', (e: MetrixError) => errors.push(e));
  parser.end('a=1\noops\n');
  await collect(parser);
  t.equal(errors[0]?.code, ErrorCode.MALFORMED_LINE);
  t.equal(errors[0]?.message, 'kv: line 2: expected name=value');
  t.equal((errors[0]?.cause as Error | undefined)?.message, 'expected name=value');
  t.equal(parser.malformedCount, 1);
});

t.test('LineParser: stop() drops an unfinished last line instead of parsing it', async (t) => {
  const parser = new KeyValueParser('kv');
  parser.write('a=1\nb=2\nhalf-a-li');
  parser.stop();
  t.same(await collect(parser), [
    { name: 'a', value: 1 },
    { name: 'b', value: 2 },
  ]);
  t.equal(parser.lineCount, 2);
  const ended = new KeyValueParser('kv');
  ended.write('a=1\nhalf-a-li');
  ended.end();
  await t.rejects(collect(ended), { code: ErrorCode.MALFORMED_LINE }, 'end() parses the same tail');
});

t.test('LineParser: options are validated with the factory name in the message', async (t) => {
  t.throws(() => new KeyValueParser('kv', { maxLineLength: 0 }), {
    code: ErrorCode.INVALID_ARGUMENT,
    message: /^kv: maxLineLength/,
  });
  t.throws(() => new KeyValueParser('kv', 3 as never), { code: ErrorCode.INVALID_ARGUMENT });
});
