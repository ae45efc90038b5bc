import fc from 'fast-check';
import t from 'tap';
import type { KeyedValue } from '../../src/engine/KeyedValue.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { Series } from '../../src/engine/Series.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { batchByCount } from '../../src/stages/batchByCount.js';
import { groupByKey } from '../../src/stages/groupByKey.js';
import { nextError, pipeThrough, run } from '../helpers/streams.js';
import { groupValues } from '../helpers/windows.js';

const plain = (k: KeyedValue) => [k.series.key, k.value, k.time];

t.test('groupByKey: smoke — one KeyedValue per element, in order, one Series per tag set', async (t) => {
  const out = await run<KeyedValue>(groupByKey(), [
    new MElement('m', 1, { tags: { x: '1' }, time: 10 }),
    { value: 2, tags: { y: '1' } },
    { value: 3, tags: { x: 1 }, time: 30 },
    4,
  ]);
  t.same(out.map(plain), [
    ['x:1', 1, 10],
    ['y:1', 2, undefined],
    ['x:1', 3, 30],
    ['', 4, undefined],
  ]);
  t.ok(
    out.every((k) => k.series instanceof Series),
    'each carries its Series',
  );
  t.equal(out[0]?.series, out[2]?.series, 'equal tags from an MElement and an object: the same Series');
  t.same(out[0]?.series.tags, { x: '1' });
});

t.test('groupByKey: default tags are merged under each element’s own', async (t) => {
  const out = await run<KeyedValue>(groupByKey({ defaultTags: { host: 'h', env: 'prod' } }), [
    1,
    { value: 2, tags: { env: 'dev' } },
    new MElement('m', 3, { tags: { route: '/' } }),
    { value: 4, tags: null },
  ]);
  t.same(
    out.map((k) => k.series.tags),
    [
      { host: 'h', env: 'prod' },
      { host: 'h', env: 'dev' },
      { host: 'h', env: 'prod', route: '/' },
      { host: 'h', env: 'prod' },
    ],
  );
  t.equal(out[0]?.series, out[3]?.series);
});

t.test('groupByKey: the same Series from one element to the next, across many elements', async (t) => {
  const out = await run<KeyedValue>(
    groupByKey(),
    Array.from({ length: 10_000 }, (_, i) => ({ value: i, tags: { k: String(i % 3) } })),
  );
  const bySeries = new Map<string, Set<Series>>();
  for (const k of out) bySeries.set(k.series.key, (bySeries.get(k.series.key) ?? new Set()).add(k.series));
  t.same(
    [...bySeries.values()].map((s) => s.size),
    [1, 1, 1],
    'a recurring tag set stays one object (the table is trimmed, not emptied)',
  );
});

t.test('groupByKey: empty input gives no output', async (t) => {
  t.same(await run(groupByKey(), []), []);
});

t.test('groupByKey: one item', async (t) => {
  const out = await pipeThrough<KeyedValue>(groupByKey(), [{ value: 7, tags: { a: 'b' }, time: 5 }]);
  t.same(out.map(plain), [['a:b', 7, 5]]);
});

t.test('groupByKey: invalid options throw with their codes', async (t) => {
  t.throws(() => groupByKey({ highWaterMark: -2 }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => groupByKey({ highWaterMark: 1.5 }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => groupByKey({ defaultTags: { a: { b: 1 } } as never }), { code: ErrorCode.INVALID_TAGS });
  t.throws(() => groupByKey({ defaultTags: 'x' as never }), { code: ErrorCode.INVALID_TAGS });
});

t.test('groupByKey: an invalid element fails the stage with its code', async (t) => {
  const cases: [unknown, string][] = [
    [Number.NaN, ErrorCode.INVALID_VALUE],
    [Number.POSITIVE_INFINITY, ErrorCode.INVALID_VALUE],
    [{ value: '1' }, ErrorCode.INVALID_VALUE],
    [{ value: 1, tags: { a: [1] } }, ErrorCode.INVALID_TAGS],
    [{ value: 1, time: 'now' }, ErrorCode.INVALID_TIME],
    [{ value: 1, time: 9e15 }, ErrorCode.INVALID_TIME],
    ['1', ErrorCode.INVALID_ELEMENT],
    [{ v: 1 }, ErrorCode.INVALID_ELEMENT],
    [[1], ErrorCode.INVALID_ELEMENT],
  ];
  for (const [input, code] of cases) {
    const stage = groupByKey();
    const out: KeyedValue[] = [];
    stage.on('data', (k: KeyedValue) => out.push(k));
    const err = nextError(stage);
    stage.write(1);
    stage.write(input);
    stage.write(2);
    t.match(await err, { code }, JSON.stringify(input) ?? String(input));
    t.same(
      out.map((k) => k.value),
      [1],
      'what came before was emitted; nothing after',
    );
  }
});

t.test('groupByKey: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = groupByKey({ highWaterMark: 1 });
  let n = 0;
  while (stage.write({ value: n, tags: { k: String(n % 2) } }) && n < 100) n++;
  t.ok(n < 5, `write() returned false after ${n + 1} writes without a reader`);
  stage.end();
  const out = (await stage.toArray()) as KeyedValue[];
  t.same(
    out.map((k) => k.value),
    Array.from({ length: n + 1 }, (_, i) => i),
  );
});

t.test('groupByKey: destroy() mid-stream', async (t) => {
  const stage = groupByKey();
  stage.write(1);
  stage.destroy();
  await new Promise((r) => stage.on('close', r));
  t.ok(stage.destroyed);
});

t.test('groupByKey: loses and duplicates nothing, keeps order, equal tags share a Series (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer()), { maxLength: 40 }),
      async (spec) => {
        const input = spec.map(([k, v]) => (k === 0 ? v : { value: v, tags: { k: String(k) } }));
        const out = await run<KeyedValue>(groupByKey(), input);
        const sameOrder = out.length === spec.length && out.every((kv, i) => kv.value === spec[i]?.[1]);
        const keysOk = out.every((kv, i) => kv.series.key === (spec[i]?.[0] === 0 ? '' : `k:${spec[i]?.[0]}`));
        const one = new Map<string, Series>();
        const shared = out.every(
          (kv) => (one.get(kv.series.key) ?? one.set(kv.series.key, kv.series).get(kv.series.key)) === kv.series,
        );
        return sameOrder && keysOk && shared;
      },
    ),
    { numRuns: 80 },
  );
  t.pass('held');
});

// BUG (reported to the lead): standing alone, groupByKey trims its table every 4096 elements,
// without knowing which series a downstream window still holds; a trimmed series comes back as
// a new Series object, and the open batch (which tells series apart by object) gives it a second
// group: two elements for one tag set in one batch. Shown with maxRetained 1; with the default
// (16384) it takes ~20 500 distinct tag sets in one window.
t.test('groupByKey: a series trimmed while a downstream batch holds it stays one group', async (t) => {
  const keyed = groupByKey({ maxRetained: 1 });
  const batches = keyed.pipe(batchByCount(10_000));
  const out: MetricWindow[] = [];
  batches.on('data', (b: MetricWindow) => out.push(b));
  keyed.write({ value: 1, tags: { k: 'x' } });
  for (let i = 0; i < 8200; i++) keyed.write({ value: 0, tags: { k: `y${i}` } });
  keyed.write({ value: 2, tags: { k: 'x' } });
  keyed.end();
  await new Promise((r) => batches.on('end', r));
  const x = (out[0] as MetricWindow).groups.filter((g) => g.series.key === 'k:x');
  t.equal(x.length, 1, 'one group for k:x');
  t.same(
    x.flatMap((g) => g.states[0] as number[]),
    [1, 2],
    'both values there',
  );
});

// BUG (reported to the lead): the KeyedValues of one groupByKey piped to two window stages share
// their Series objects, whose one-entry cache (lastOwner/lastGroup) the two stages' open batches
// keep taking from each other: each value then opens a new group.
t.test('groupByKey: one groupByKey piped to two window stages — each keeps one group per series', async (t) => {
  const keyed = groupByKey();
  const a = keyed.pipe(batchByCount(4));
  const b = keyed.pipe(batchByCount(4));
  const outA: MetricWindow[] = [];
  const outB: MetricWindow[] = [];
  a.on('data', (w: MetricWindow) => outA.push(w));
  b.on('data', (w: MetricWindow) => outB.push(w));
  for (const v of [1, 2, 3, 4]) keyed.write({ value: v, tags: { k: 'x' } });
  keyed.end();
  await Promise.all([a, b].map((s) => new Promise((r) => s.on('end', r))));
  t.same(outA.map(groupValues), [[['k:x', [1, 2, 3, 4]]]]);
  t.same(outB.map(groupValues), [[['k:x', [1, 2, 3, 4]]]]);
  t.same(
    [...outA, ...outB].map((w) => w.count),
    [4, 4],
    'nothing lost',
  );
});
