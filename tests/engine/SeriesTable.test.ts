import t from 'tap';
import { Series } from '../../src/engine/Series.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { normalizeTags } from '../../src/internal/tags.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';

t.test('SeriesTable: equal tags from different objects resolve to the same Series', async (t) => {
  const table = new SeriesTable();
  const a = table.resolve({ host: 'h1', route: '/' });
  t.type(a, Series);
  t.equal(table.resolve({ host: 'h1', route: '/' }), a, 'a second object with the same tags');
  t.equal(table.resolve({ route: '/', host: 'h1' }), a, 'another name order');
  t.equal(a.key, 'host:h1|route:/');
  t.same(a.tags, { host: 'h1', route: '/' });
  t.ok(Object.isFrozen(a.tags));
  t.equal(table.resolve({ n: 1, b: true }), table.resolve({ n: '1', b: 'true' }), 'numbers and booleans as strings');
  t.not(table.resolve({ host: 'h2' }), a, 'other tags, another series');
  t.equal(table.size, 3);
});

t.test('SeriesTable: an MElement resolves to the series of its tags', async (t) => {
  const table = new SeriesTable();
  const el = new MElement('m', 1, { tags: { x: '1' } });
  const s = table.resolveNormalized(el.tags, el.key);
  t.equal(s, table.resolve({ x: '1' }));
  t.equal(table.resolveNormalized(new MElement('m', 2).tags, ''), table.defaultSeries, 'no tags: the default series');
});

t.test('SeriesTable: default tags are merged under the given ones', async (t) => {
  const table = new SeriesTable(normalizeTags({ host: 'h', env: 'prod' }));
  t.same(table.defaultSeries.tags, { host: 'h', env: 'prod' });
  t.equal(table.defaultSeries.key, 'env:prod|host:h');
  const s = table.resolve({ route: '/' });
  t.same(s.tags, { host: 'h', env: 'prod', route: '/' });
  t.equal(s.key, 'env:prod|host:h|route:/');
  t.same(table.resolve({ host: 'other' }).tags, { host: 'other', env: 'prod' }, 'own tags override');
  t.equal(table.resolve({}), table.defaultSeries, 'empty tags: the default series');
  t.equal(table.resolve({ host: 'h' }), table.defaultSeries, 'tags equal to the defaults: the default series');
  const el = new MElement('m', 1, { tags: { route: '/' } });
  t.equal(table.resolveNormalized(el.tags, el.key), s, 'an MElement is merged over the defaults too');
  t.equal(table.resolveNormalized(new MElement('m', 1).tags, ''), table.defaultSeries);
});

t.test('SeriesTable: invalid tags throw ERR_METRIX_INVALID_TAGS', async (t) => {
  const table = new SeriesTable();
  for (const bad of [{ a: { nested: 1 } }, { a: null }, [1, 2]]) {
    t.throws(() => table.resolve(bad as object), { code: ErrorCode.INVALID_TAGS }, JSON.stringify(bad));
  }
  t.equal(table.size, 0, 'nothing kept');
});

t.test('SeriesTable: a tags object changed between calls is seen', async (t) => {
  const table = new SeriesTable();
  const tags: Record<string, string> = { a: '1' };
  const first = table.resolve(tags);
  tags.a = '2';
  const second = table.resolve(tags);
  t.not(second, first);
  t.equal(second.key, 'a:2');
  tags.b = 'x';
  t.equal(table.resolve(tags).key, 'a:2|b:x', 'an added name');
  delete tags.b;
  t.equal(table.resolve(tags), second, 'back to an earlier content: the earlier series');
  t.same(first.tags, { a: '1' }, 'the first series kept its own tags');
});

t.test('SeriesTable: trim keeps the series resolved since the last trim and forgets the others', async (t) => {
  const table = new SeriesTable(undefined, { maxRetained: 2 });
  const a = table.resolve({ k: 'a' });
  const b = table.resolve({ k: 'b' });
  table.resolve({ k: 'c' });
  table.trim();
  t.equal(table.size, 3, 'all were resolved since the previous trim (none): all kept');
  t.equal(table.resolve({ k: 'a' }), a);
  table.trim();
  t.equal(table.size, 1, 'b and c, not resolved since the last trim, forgotten');
  t.equal(table.resolve({ k: 'a' }), a, 'a kept: the same object');
  const b2 = table.resolve({ k: 'b' });
  t.not(b2, b, 'a forgotten series comes back as a new object…');
  t.equal(b2.key, b.key, '…with the same key');
  t.same(b2.tags, b.tags, '…and equal tags');
});

t.test('SeriesTable: trim forgets nothing while at most maxRetained series are kept', async (t) => {
  const table = new SeriesTable(undefined, { maxRetained: 3 });
  const kept = ['a', 'b', 'c'].map((k) => table.resolve({ k }));
  for (let i = 0; i < 5; i++) table.trim();
  t.equal(table.size, 3);
  t.same(
    ['a', 'b', 'c'].map((k) => table.resolve({ k })),
    kept,
  );
  t.ok(
    ['a', 'b', 'c'].every((k, i) => table.resolve({ k }) === kept[i]),
    'the same objects',
  );
});

t.test('SeriesTable: the default series survives any trim', async (t) => {
  const table = new SeriesTable(undefined, { maxRetained: 1 });
  const d = table.defaultSeries;
  table.resolve({ k: 'a' });
  table.resolve({ k: 'b' });
  table.trim();
  table.trim();
  t.equal(table.defaultSeries, d);
  t.equal(table.resolve({}), d);
});
