import fc from 'fast-check';
import t from 'tap';
import { TagsCache } from '../../src/internal/TagsCache.js';
import { EMPTY_TAGS, mergeTags, normalizeTags } from '../../src/internal/tags.js';
import { keyFromTags } from '../../src/key.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';

/** Own names in order and their values: what an element's tags show, order included. */
const entries = (tags: object) => Object.entries(tags);

t.test('TagsCache: the same input object gives the same frozen tags, with one shared key', async (t) => {
  const cache = new TagsCache(EMPTY_TAGS);
  const input = { route: '/home', status: 200 };
  const a = cache.normalize(input);
  const b = cache.normalize(input);
  t.equal(a, b, 'second call reuses the first result');
  t.ok(Object.isFrozen(a));
  t.same(entries(a), [
    ['route', '/home'],
    ['status', '200'],
  ]);
  const x = new MElement('m', 1, { tags: cache.normalize(input) });
  const y = new MElement('m', 2, { tags: cache.normalize(input) });
  t.equal(x.key, 'route:/home|status:200');
  t.equal(x.key, y.key);
});

t.test('TagsCache: an input changed between calls is normalized again', async (t) => {
  const cache = new TagsCache(EMPTY_TAGS);
  const input: Record<string, string | number> = { a: 'x', b: 'y' };
  t.same(entries(cache.normalize(input)), [
    ['a', 'x'],
    ['b', 'y'],
  ]);
  cache.normalize(input);
  input.b = 'z';
  t.same(
    entries(cache.normalize(input)),
    [
      ['a', 'x'],
      ['b', 'z'],
    ],
    'changed value',
  );
  input.c = 3;
  t.same(
    entries(cache.normalize(input)),
    [
      ['a', 'x'],
      ['b', 'z'],
      ['c', '3'],
    ],
    'added name',
  );
  delete input.a;
  t.same(
    entries(cache.normalize(input)),
    [
      ['b', 'z'],
      ['c', '3'],
    ],
    'removed name',
  );
  delete input.b;
  input.b = 'z';
  t.same(
    entries(cache.normalize(input)),
    [
      ['c', '3'],
      ['b', 'z'],
    ],
    'same names and values in another order keep the new order',
  );
  input.c = 'oops' as unknown as number;
  input.d = null as unknown as number;
  t.throws(() => cache.normalize(input), { code: ErrorCode.INVALID_TAGS }, 'an invalid value still throws');
  t.throws(() => cache.normalize(input), { code: ErrorCode.INVALID_TAGS }, 'and again');
});

t.test('TagsCache: merges over its base, the input winning', async (t) => {
  const base = normalizeTags({ host: 'a', env: 'prod' });
  const cache = new TagsCache(base);
  const input = { env: 'dev', id: true };
  for (let i = 0; i < 3; i++) {
    t.same(entries(cache.normalize(input)), [
      ['host', 'a'],
      ['env', 'dev'],
      ['id', 'true'],
    ]);
  }
  t.throws(() => cache.normalize('x' as never), { code: ErrorCode.INVALID_TAGS });
});

t.test('TagsCache: a frozen map of strings is used as it is without a base', async (t) => {
  const cache = new TagsCache(EMPTY_TAGS);
  const frozen = Object.freeze({ a: 'b' });
  t.equal(cache.normalize(frozen), frozen);
  t.equal(cache.normalize(frozen), frozen);
});

t.test('TagsCache: an inherited enumerable name is not taken for an own one', async (t) => {
  const cache = new TagsCache(EMPTY_TAGS);
  const proto = { inherited: 'no' };
  const input = Object.create(proto) as Record<string, string>;
  input.own = 'yes';
  t.same(entries(cache.normalize(input)), [['own', 'yes']]);
  t.same(entries(cache.normalize(input)), [['own', 'yes']]);
});

t.test('TagsCache: many distinct inputs (more than it holds) all come out right', async (t) => {
  const cache = new TagsCache(EMPTY_TAGS);
  const inputs = Array.from({ length: 3000 }, (_, i) => ({ i: String(i) }));
  let wrong = 0;
  for (let round = 0; round < 2; round++) {
    for (const input of inputs) if (cache.normalize(input).i !== input.i) wrong++;
  }
  t.equal(wrong, 0);
});

t.test('TagsCache: stands aside after filling up with fresh objects, then caches again', async (t) => {
  const cache = new TagsCache(EMPTY_TAGS);
  const shared = { s: 'x' };
  t.equal(cache.normalize(shared), cache.normalize(shared), 'cached while reused');
  // Fresh objects only: the cache fills with entries it never reuses, then stops caching.
  for (let i = 0; i < 1100; i++) cache.normalize({ i: String(i) });
  t.not(cache.normalize(shared), cache.normalize(shared), 'not cached while standing aside');
  t.same(entries(cache.normalize(shared)), [['s', 'x']], 'still right');
  for (let i = 0; i < 16 * 1024; i++) cache.normalize({ i: String(i) });
  cache.normalize(shared);
  t.equal(cache.normalize(shared), cache.normalize(shared), 'cached again afterwards');
});

t.test('TagsCache: always equals mergeTags of the input as it is now (property)', async (t) => {
  const name = fc.constantFrom('a', 'b', 'c', '__proto__', 'x:y');
  const value = fc.oneof(fc.constantFrom('1', 'v', 'w|'), fc.integer({ min: 0, max: 2 }), fc.boolean());
  const step = fc.record({ which: fc.nat({ max: 2 }), name, value, del: fc.boolean() });
  fc.assert(
    fc.property(fc.boolean(), fc.array(step, { maxLength: 40 }), (withBase, steps) => {
      const base = withBase ? normalizeTags({ b: 'base', z: 'z' }) : EMPTY_TAGS;
      const cache = new TagsCache(base);
      const inputs: Record<string, unknown>[] = [{}, { a: 'v' }, { c: 1 }];
      for (const s of steps) {
        const input = inputs[s.which] as Record<string, unknown>;
        if (s.del) delete input[s.name];
        else
          Object.defineProperty(input, s.name, {
            value: s.value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        const got = cache.normalize(input);
        // At once, as MStream does: the element may take the key the cache knows.
        const key = new MElement('m', 0, { tags: got }).key;
        const want = mergeTags(base, input);
        if (JSON.stringify(entries(got)) !== JSON.stringify(entries(want))) return false;
        if (key !== keyFromTags(want)) return false;
      }
      return true;
    }),
  );
  t.pass('mergeTags agreed at every step');
});
