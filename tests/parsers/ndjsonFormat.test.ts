import t from 'tap';
import { ErrorCode } from '../../src/MetrixError.js';
import { ndjsonFormat } from '../../src/parsers/ndjsonFormat.js';

t.test('ndjsonFormat: one element per line, checked once, tags shared per tag text', async (t) => {
  const format = ndjsonFormat();
  t.equal(format.what, 'parseNDJSON');
  const a = format.parse('{"name":"a","value":1,"tags":{"k":"v","n":2,"b":true},"time":5}');
  const b = format.parse('{"value":2,"name":"b","tags":{"k":"v","n":2,"b":true}}');
  t.same(a, { name: 'a', value: 1, tags: { k: 'v', n: '2', b: 'true' }, time: 5 });
  t.equal(a.tags, b.tags);
  const spaced = format.parse('{"name":"c","value":3,"tags" : {"k":"v"}}');
  t.same(spaced.tags, { k: 'v' });
  t.throws(() => format.parse('{"name":"a","value":1,"tags":{"k":"v","n":null}}'), { code: ErrorCode.INVALID_TAGS });
  // The raw tags text is found past escaped quotes and braces inside strings.
  t.same(format.parse('{"name":"a","value":1,"tags":{"a\\"}":"x}"}}').tags, { 'a"}': 'x}' });
  t.same(format.parse('{"name":"a","value":1,"tags":{"a\\"}":"x}"},"z":1}').tags, { 'a"}': 'x}' });
});
