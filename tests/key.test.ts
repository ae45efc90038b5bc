import fc from 'fast-check';
import t from 'tap';
import { keyFromTags, tagsFromKey } from '../src/key.js';
import { ErrorCode } from '../src/MetrixError.js';

t.test('key: readable sorted format of the original', async (t) => {
  t.equal(keyFromTags({ foo: 'bar', bat: 'baz' }), 'bat:baz|foo:bar');
  t.equal(keyFromTags({ foo: 'bar' }), 'foo:bar');
  t.same(tagsFromKey('bat:baz|foo:bar'), { bat: 'baz', foo: 'bar' });
});

t.test('key: no tags, null and {} give the empty key', async (t) => {
  t.equal(keyFromTags(undefined), '');
  t.equal(keyFromTags(null), '');
  t.equal(keyFromTags({}), '');
  t.same(tagsFromKey(''), {});
});

t.test('key: separators inside names and values are escaped (regression: original collided)', async (t) => {
  // In the original, {'a:b': 'c'} and {a: 'b:c'} both gave 'a:b:c'.
  t.not(keyFromTags({ 'a:b': 'c' }), keyFromTags({ a: 'b:c' }));
  t.not(keyFromTags({ a: 'b|c:d' }), keyFromTags({ a: 'b', c: 'd' }));
  t.equal(keyFromTags({ 'a:b': 'c|d\\' }), 'a\\:b:c\\|d\\\\');
  t.same(tagsFromKey('a\\:b:c\\|d\\\\'), { 'a:b': 'c|d\\' });
});

t.test('key: empty names and values survive', async (t) => {
  t.same(tagsFromKey(keyFromTags({ '': '' })), { '': '' });
  t.not(keyFromTags({ '': '' }), keyFromTags({}));
});

t.test('key: __proto__ is an ordinary tag name', async (t) => {
  const tags = JSON.parse('{"__proto__":"x","a":"b"}');
  const back = tagsFromKey(keyFromTags(tags));
  t.same(Object.keys(back).sort(), ['__proto__', 'a']);
  t.equal(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, 'x');
});

t.test('key: round trip for any strings, and equal keys only for equal tag sets (property)', async (t) => {
  const anyString = fc.string({ unit: 'binary', maxLength: 8 });
  const tagsArb = fc.dictionary(anyString, anyString, { maxKeys: 5 });
  const withSeparators = fc.dictionary(
    fc.string({ unit: fc.constantFrom('a', ':', '|', '\\'), maxLength: 4 }),
    fc.string({ unit: fc.constantFrom('b', ':', '|', '\\'), maxLength: 4 }),
    { maxKeys: 4 },
  );
  for (const arb of [tagsArb, withSeparators]) {
    fc.assert(
      fc.property(arb, (tags) => {
        const back = tagsFromKey(keyFromTags(tags));
        return canonical(back) === canonical(tags);
      }),
    );
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const same = canonical(a) === canonical(b);
        return (keyFromTags(a) === keyFromTags(b)) === same;
      }),
    );
  }
  t.pass('properties held');
});

/** Order-independent form of a tag set (own entries, `__proto__` included). */
function canonical(tags: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(tags)
      .sort()
      .map((k) => [k, Object.getOwnPropertyDescriptor(tags, k)?.value]),
  );
}

t.test('key: tag order does not matter', async (t) => {
  t.equal(keyFromTags({ b: '2', a: '1', c: '3' }), keyFromTags({ c: '3', a: '1', b: '2' }));
});

t.test('key: malformed keys are rejected with a code', async (t) => {
  for (const bad of ['abc', 'a:b|c', 'a:b\\', '|a:b']) {
    t.throws(() => tagsFromKey(bad), { code: ErrorCode.INVALID_TAGS }, bad);
  }
});
