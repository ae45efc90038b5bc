import fc from 'fast-check';
import t from 'tap';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { groupByKey } from '../../src/stages/groupByKey.js';
import type { ElementBatch, GroupedElements } from '../../src/stages/types.js';
import { run } from '../helpers/streams.js';

const el = (v: number, tags?: Record<string, string>, time = v) => new MElement('m', v, { tags, time });
const shape = (g: GroupedElements) => g.groups.map((grp) => [grp.key, grp.values]);

t.test('groupByKey: smoke — groups by tag set in first-seen order', async (t) => {
  const [g] = await run<GroupedElements>(groupByKey(), [
    [el(1, { x: '1' }), el(2, { y: '1' }), el(3, { x: '1' }), el(4)],
  ]);
  t.same(shape(g as GroupedElements), [
    ['x:1', [1, 3]],
    ['y:1', [2]],
    ['', [4]],
  ]);
  t.same(g?.groups[0]?.tags, { x: '1' });
});

t.test('groupByKey: one tag set keeps the batch as the group (no copy)', async (t) => {
  const batch = [el(1), el(2)];
  const [g] = await run<GroupedElements>(groupByKey(), [batch]);
  t.equal(g?.groups.length, 1);
  t.equal(g?.groups[0]?.elements, batch);
});

t.test('groupByKey: time is the window end when given, else the last element time', async (t) => {
  const win: ElementBatch = [el(1, undefined, 5), el(2, undefined, 9)];
  win.time = 100;
  const [a, b] = await run<GroupedElements>(groupByKey(), [win, [el(1, undefined, 5), el(2, undefined, 9)]]);
  t.equal(a?.time, 100);
  t.equal(b?.time, 9);
});

t.test('groupByKey: empty input and an empty batch', async (t) => {
  t.same(await run(groupByKey(), []), []);
  const [g] = await run<GroupedElements>(groupByKey(), [[]]);
  t.same(g?.groups, []);
  t.type(g?.time, 'number');
});

t.test('groupByKey: one item', async (t) => {
  const [g] = await run<GroupedElements>(groupByKey(), [[el(7, { a: 'b' })]]);
  t.same(shape(g as GroupedElements), [['a:b', [7]]]);
});

t.test('groupByKey: invalid options', async (t) => {
  t.throws(() => groupByKey({ highWaterMark: -2 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('groupByKey: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = groupByKey({ highWaterMark: 1 });
  let n = 0;
  while (stage.write([el(n)]) && n < 100) n++;
  t.ok(n < 5, `write() returned false after ${n + 1} writes`);
  stage.end();
  const out = (await stage.toArray()) as GroupedElements[];
  t.same(
    out.flatMap((g) => g.groups.flatMap((grp) => grp.values)),
    Array.from({ length: n + 1 }, (_, i) => i),
  );
});

t.test('groupByKey: loses nothing, keeps order inside each group (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer()), { minLength: 1, maxLength: 40 }),
      async (spec) => {
        const batch = spec.map(([k, v]) => new MElement('m', v, { tags: k === 0 ? undefined : { k: String(k) } }));
        const [g] = await run<GroupedElements>(groupByKey(), [batch]);
        const expected = new Map<string, number[]>();
        for (const e of batch) expected.set(e.key, [...(expected.get(e.key) ?? []), e.value]);
        return JSON.stringify(shape(g as GroupedElements)) === JSON.stringify([...expected]);
      },
    ),
    { numRuns: 80 },
  );
  t.pass('held');
});
