import fc from 'fast-check';
import t from 'tap';
import { mean, sum } from '../../src/aggregators/builtins.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { batchByCount } from '../../src/stages/batchByCount.js';
import { groupByKey } from '../../src/stages/groupByKey.js';
import { installClock, T0 } from '../helpers/clock.js';
import { nextError, pipeThrough, run } from '../helpers/streams.js';
import { groupValues, valuesOf } from '../helpers/windows.js';

const nums = (n: number) => Array.from({ length: n }, (_, i) => i);

t.test('batchByCount: smoke — exact multiple, grouped by series in first-seen order', async (t) => {
  const out = await run<MetricWindow>(batchByCount(3), [
    { value: 1, tags: { x: '1' } },
    2,
    new MElement('m', 3, { tags: { x: '1' } }),
    4,
    5,
    6,
  ]);
  t.same(out.map(groupValues), [
    [
      ['x:1', [1, 3]],
      ['', [2]],
    ],
    [['', [4, 5, 6]]],
  ]);
  t.same(
    out.map((b) => [b.start, b.end, b.count]),
    [
      [undefined, undefined, 3],
      [undefined, undefined, 3],
    ],
  );
});

t.test('batchByCount: remainder is emitted at end of input', async (t) => {
  t.same((await run<MetricWindow>(batchByCount(2), nums(5))).map(valuesOf), [[0, 1], [2, 3], [4]]);
});

t.test('batchByCount: empty input gives no output', async (t) => {
  t.same(await run(batchByCount(3), []), []);
});

t.test('batchByCount: one item', async (t) => {
  t.same((await run<MetricWindow>(batchByCount(3), [7])).map(valuesOf), [[7]]);
  t.same((await run<MetricWindow>(batchByCount(1), [7])).map(valuesOf), [[7]]);
});

t.test('batchByCount: takes the KeyedValues of groupByKey', async (t) => {
  const keyed = groupByKey({ defaultTags: { host: 'h' } });
  const batches = keyed.pipe(batchByCount(2));
  const got: MetricWindow[] = [];
  batches.on('data', (b: MetricWindow) => got.push(b));
  keyed.write({ value: 1, tags: { x: '1' } });
  keyed.write(2);
  keyed.write(3);
  keyed.end();
  await new Promise((r) => batches.on('end', r));
  t.same(got.map(groupValues), [
    [
      ['host:h|x:1', [1]],
      ['host:h', [2]],
    ],
    [['host:h', [3]]],
  ]);
});

t.test('batchByCount: time stamp — the last element’s own time, else the time the batch completed', async (t) => {
  installClock(t, T0 + 5);
  const out = await run<MetricWindow>(batchByCount(2), [
    { value: 1, time: 100 },
    { value: 2, time: 200 },
    { value: 3, time: 300 },
    4,
    5,
  ]);
  t.same(
    out.map((b) => b.time),
    [200, T0 + 5, T0 + 5],
  );
});

t.test('batchByCount: with agg, batches keep the states those aggregations read', async (t) => {
  const [b] = await run<MetricWindow>(batchByCount(3, { agg: { total: sum, avg: mean } }), [1, 2, 6]);
  t.same(
    b?.plan.kinds.map((k) => k.id),
    ['summary'],
  );
  t.same(
    b?.plan.aggregators.map((a) => a.name),
    ['total', 'avg'],
  );
  t.equal(mean.aggregator.result(b?.groups[0]?.states[0] as never), 3);
});

t.test('batchByCount: invalid arguments throw with their codes', async (t) => {
  for (const size of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number]) {
    t.throws(() => batchByCount(size), { code: ErrorCode.INVALID_GROUPING }, String(size));
  }
  t.throws(() => batchByCount(2, { highWaterMark: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
  for (const agg of [[], {}, 'sum', [sum, sum], { x: 1 }]) {
    t.throws(() => batchByCount(2, { agg: agg as never }), { code: ErrorCode.INVALID_AGG }, `agg ${String(agg)}`);
  }
});

t.test('batchByCount: an invalid element fails the stage with its code', async (t) => {
  const stage = batchByCount(2);
  const err = nextError(stage);
  stage.write(1);
  stage.write({ value: Number.NaN });
  t.match(await err, { code: ErrorCode.INVALID_VALUE });
  const other = batchByCount(2);
  const err2 = nextError(other);
  other.write({ value: 1, tags: [1] });
  t.match(await err2, { code: ErrorCode.INVALID_TAGS });
});

t.test('batchByCount: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = batchByCount(1, { highWaterMark: 1 });
  let accepted = 0;
  while (stage.write(accepted)) {
    accepted++;
    if (accepted > 100) break;
  }
  t.ok(accepted < 5, `write() returned false after ${accepted} writes without a reader`);
  const total = accepted + 1;
  stage.end();
  const out = (await stage.toArray()) as MetricWindow[];
  t.same(out.flatMap(valuesOf), nums(total));
});

t.test('batchByCount: destroy() mid-stream stops it without output', async (t) => {
  const stage = batchByCount(10);
  const out: unknown[] = [];
  stage.on('data', (b) => out.push(b));
  stage.write(1);
  stage.destroy();
  await new Promise((r) => stage.on('close', r));
  t.ok(stage.destroyed);
  t.same(out, []);
});

t.test('batchByCount: loses and duplicates nothing, keeps order, batch sizes exact (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom('', 'a', 'b'), { maxLength: 60 }),
      fc.integer({ min: 1, max: 12 }),
      async (keys, size) => {
        const input = keys.map((k, i) => (k === '' ? i : { value: i, tags: { k } }));
        const batches = await pipeThrough<MetricWindow>(batchByCount(size), input);
        const sizesOk = batches.every((b, i) =>
          i < batches.length - 1 ? b.count === size : b.count >= 1 && b.count <= size,
        );
        // Each batch holds the values of its slice of the input, whatever their groups.
        const slicesOk = batches.every(
          (b, i) =>
            JSON.stringify(valuesOf(b).sort((x, y) => x - y)) ===
            JSON.stringify(nums(keys.length).slice(i * size, (i + 1) * size)),
        );
        const orderInGroups = batches.every((b) =>
          b.groups.every((g) => (g.states[0] as number[]).every((v, j, a) => j === 0 || v > (a[j - 1] as number))),
        );
        return sizesOk && slicesOk && orderInGroups && batches.length === Math.ceil(keys.length / size);
      },
    ),
    { numRuns: 60 },
  );
  t.pass('held');
});
