import t from 'tap';
import { addChunk, checkTime, checkValue, isKeyedValue, type KeyedValue } from '../../src/engine/KeyedValue.js';
import type { Series } from '../../src/engine/Series.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { normalizeTags } from '../../src/internal/tags.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';

function add(table: SeriesTable, chunk: unknown): [Series, number, number | undefined][] {
  const got: [Series, number, number | undefined][] = [];
  addChunk(table, chunk, 'm', (series, value, time) => got.push([series, value, time]));
  return got;
}

t.test('KeyedValue: addChunk resolves each accepted form to its series, value and own time', async (t) => {
  const table = new SeriesTable(normalizeTags({ host: 'h' }));
  const x = table.resolve({ x: '1' });
  t.same(add(table, 5), [[table.defaultSeries, 5, undefined]], 'a number: the default series, no time');
  t.same(add(table, { value: 1 }), [[table.defaultSeries, 1, undefined]]);
  t.same(add(table, { value: 1, tags: null, time: 7 }), [[table.defaultSeries, 1, 7]]);
  t.same(
    add(table, { value: 2, tags: { x: 1 }, time: 8 }),
    [[x, 2, 8]],
    'an object: its tags merged over the defaults',
  );
  t.same(
    add(table, new MElement('other', 3, { tags: { x: '1' }, time: 9 })),
    [[x, 3, 9]],
    'an MElement (its name is not read)',
  );
  const keyed: KeyedValue = { series: x, value: 4, time: undefined };
  t.same(add(table, keyed), [[x, 4, undefined]], 'a KeyedValue: its series as it is');
  t.equal(add(table, keyed)[0]?.[0], x, 'the same object');
});

t.test('KeyedValue: addChunk rejects invalid chunks with their codes, adding nothing', async (t) => {
  const table = new SeriesTable();
  const cases: [unknown, string][] = [
    [Number.NaN, ErrorCode.INVALID_VALUE],
    [Number.NEGATIVE_INFINITY, ErrorCode.INVALID_VALUE],
    [{ value: '1' }, ErrorCode.INVALID_VALUE],
    [{ value: null }, ErrorCode.INVALID_VALUE],
    [{ value: 1, tags: 'a' }, ErrorCode.INVALID_TAGS],
    [{ value: 1, tags: { a: {} } }, ErrorCode.INVALID_TAGS],
    [{ value: 1, time: '2020' }, ErrorCode.INVALID_TIME],
    [{ value: 1, time: -9e15 }, ErrorCode.INVALID_TIME],
    [{ value: 1, time: Number.NaN }, ErrorCode.INVALID_TIME],
    ['1', ErrorCode.INVALID_ELEMENT],
    [null, ErrorCode.INVALID_ELEMENT],
    [undefined, ErrorCode.INVALID_ELEMENT],
    [{ val: 1 }, ErrorCode.INVALID_ELEMENT],
  ];
  for (const [chunk, code] of cases) {
    const got: unknown[] = [];
    t.throws(() => addChunk(table, chunk, 'm', () => got.push(1)), { code }, String(JSON.stringify(chunk)));
    t.same(got, []);
  }
});

t.test('KeyedValue: checkValue, checkTime and isKeyedValue', async (t) => {
  t.doesNotThrow(() => checkValue(-1.5, 'm'));
  t.throws(() => checkValue(Number.NaN, 'm'), { code: ErrorCode.INVALID_VALUE });
  t.throws(() => checkValue(1n, 'm'), { code: ErrorCode.INVALID_VALUE });
  t.doesNotThrow(() => checkTime(undefined, 'm'));
  t.doesNotThrow(() => checkTime(8.64e15, 'm'));
  t.throws(() => checkTime(8.64e15 + 1, 'm'), { code: ErrorCode.INVALID_TIME });
  t.throws(() => checkTime(null, 'm'), { code: ErrorCode.INVALID_TIME });
  const series = new SeriesTable().defaultSeries;
  t.ok(isKeyedValue({ series, value: 1, time: undefined }));
  t.notOk(isKeyedValue({ series: { key: '', tags: {} }, value: 1 }), 'a look-alike is not one');
  t.notOk(isKeyedValue(null));
  t.notOk(isKeyedValue(1));
});
