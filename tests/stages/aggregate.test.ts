import t from 'tap';
import { max, median, sum } from '../../src/aggregators/builtins.js';
import { Accumulation } from '../../src/engine/Accumulation.js';
import type { AggregationPlan } from '../../src/engine/AggregationPlan.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import type { AggSpec } from '../../src/internal/parseAgg.js';
import type { MElement } from '../../src/MElement.js';
import { ErrorCode, type MetrixError } from '../../src/MetrixError.js';
import { aggregate } from '../../src/stages/aggregate.js';
import { batchByCount } from '../../src/stages/batchByCount.js';
import { windowPlan } from '../../src/stages/windowingStage.js';
import { nextError, run } from '../helpers/streams.js';

/** A closed window keeping what `agg` reads (the values when none), holding `groups`. */
function window(time: number, groups: [Record<string, string>, number[]][], agg?: AggSpec): MetricWindow {
  const plan: AggregationPlan = windowPlan(agg);
  const table = new SeriesTable();
  const acc = new Accumulation(plan);
  for (const [tags, values] of groups) for (const v of values) acc.add(table.resolve(tags), v);
  return acc.close(time);
}
const json = (out: MElement[] | undefined) => out?.map((e) => e.toJSON());

t.test('aggregate: smoke — one element per group, in first-seen order, named, tagged, stamped', async (t) => {
  const [out] = await run<MElement[]>(aggregate('m.sum', sum), [
    window(42, [
      [{ x: '1' }, [1, 2]],
      [{}, [5]],
    ]),
  ]);
  t.same(json(out), [
    { name: 'm.sum', value: 3, tags: { x: '1' }, time: 42 },
    { name: 'm.sum', value: 5, tags: {}, time: 42 },
  ]);
});

t.test('aggregate: reads the state the window kept for it (agg given to the window stage)', async (t) => {
  const w = window(
    1,
    [
      [{}, [3, 9]],
      [{ k: 'b' }, [4]],
    ],
    [sum, max],
  );
  t.same(
    (await run<MElement[]>(aggregate('m.max', max), [w]))[0]?.map((e) => e.value),
    [9, 4],
  );
  t.same(
    (await run<MElement[]>(aggregate('m.sum', sum), [w]))[0]?.map((e) => e.value),
    [12, 4],
  );
});

t.test('aggregate: reads any aggregation from a window that kept the values', async (t) => {
  const w = window(1, [[{}, [3, 1, 2, 10]]]);
  const read = async (fn: (v: readonly number[]) => number) =>
    (await run<MElement[]>(aggregate('m.x', fn), [w]))[0]?.[0]?.value;
  t.equal(await read(sum), 16);
  t.equal(await read(median), 2.5);
  t.equal(await read((v) => v[0] as number), 3, 'a user function gets the values in arrival order');
});

t.test('aggregate: an Aggregator may be given instead of a function', async (t) => {
  const [out] = await run<MElement[]>(aggregate('m.total', sum.aggregator), [window(1, [[{}, [1, 2]]], sum)]);
  t.same(json(out), [{ name: 'm.total', value: 3, tags: {}, time: 1 }]);
});

t.test('aggregate: reads the windows of batchByCount', async (t) => {
  const batches = batchByCount(2, { agg: sum });
  const sums = batches.pipe(aggregate('m.sum', sum));
  const out: MElement[][] = [];
  sums.on('data', (x: MElement[]) => out.push(x));
  for (const v of [1, 2, 3]) batches.write({ value: v, time: v * 10 });
  batches.end();
  await new Promise((r) => sums.on('end', r));
  t.same(
    out.map((els) => els.map((e) => [e.value, e.time])),
    [[[3, 20]], [[3, 30]]],
  );
});

t.test('aggregate: empty input; an empty window gives an empty array', async (t) => {
  t.same(await run(aggregate('m.sum', sum), []), []);
  t.same(await run(aggregate('m.sum', sum), [window(1, [])]), [[]]);
});

t.test('aggregate: one item', async (t) => {
  const [out] = await run<MElement[]>(aggregate('m.max', max), [window(1, [[{}, [9]]])]);
  t.same(
    out?.map((e) => e.value),
    [9],
  );
});

t.test('aggregate: several windows, each its own array, in order', async (t) => {
  const out = await run<MElement[]>(
    aggregate('m.sum', sum),
    [1, 2, 3].map((n) => window(n, [[{}, [n, n]]])),
  );
  t.same(
    out.map((els) => els.map((e) => [e.value, e.time])),
    [[[2, 1]], [[4, 2]], [[6, 3]]],
  );
});

t.test('aggregate: invalid arguments throw with codes', async (t) => {
  t.throws(() => aggregate('', sum), { code: ErrorCode.INVALID_NAME });
  t.throws(() => aggregate(1 as unknown as string, sum), { code: ErrorCode.INVALID_NAME });
  for (const fn of ['sum', null, {}, { result: () => 1 }, { state: {}, result: 1 }]) {
    t.throws(() => aggregate('m', fn as never), { code: ErrorCode.INVALID_AGG }, JSON.stringify(fn));
  }
  t.throws(() => aggregate('m', sum, { highWaterMark: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test(
  'aggregate: a window that keeps neither its state kind nor the values fails with ERR_METRIX_INVALID_AGG',
  async (t) => {
    const stage = aggregate('m.median', median);
    const err = nextError(stage);
    stage.write(window(1, [[{}, [1, 2]]], sum));
    t.match(await err, { code: ErrorCode.INVALID_AGG });
  },
);

t.test('aggregate: an error thrown by the user function reaches error unchanged', async (t) => {
  const boom = new Error('boom');
  const stage = aggregate('m.bad', () => {
    throw boom;
  });
  const err = nextError(stage);
  stage.write(window(1, [[{}, [1]]]));
  t.equal(await err, boom);
});

t.test('aggregate: a non-finite result emits invalidResult; the other groups still come out', async (t) => {
  const stage = aggregate('m.sum', sum);
  const invalid: MetrixError[] = [];
  stage.on('invalidResult', (e: MetrixError) => invalid.push(e));
  const out = await run<MElement[]>(stage, [
    window(
      5,
      [
        [{ k: 'a' }, [1]],
        [{ k: 'big' }, [1e308, 1e308]],
        [{ k: 'c' }, [2]],
      ],
      sum,
    ),
    window(6, [[{ k: 'a' }, [7]]], sum),
  ]);
  t.same(
    out.map((els) => els.map((e) => [e.key, e.value])),
    [
      [
        ['k:a', 1],
        ['k:c', 2],
      ],
      [['k:a', 7]],
    ],
    'the stream goes on',
  );
  t.equal(invalid.length, 1);
  t.equal(invalid[0]?.code, ErrorCode.INVALID_AGG_RESULT);
  t.equal(invalid[0]?.input, Number.POSITIVE_INFINITY);
});

t.test('aggregate: a user function returning NaN is reported the same way', async (t) => {
  const stage = aggregate('m.nan', () => Number.NaN);
  const invalid: MetrixError[] = [];
  stage.on('invalidResult', (e: MetrixError) => invalid.push(e));
  t.same(await run(stage, [window(1, [[{ a: 'b' }, [1]]])]), [[]]);
  t.equal(invalid[0]?.code, ErrorCode.INVALID_AGG_RESULT);
});

t.test('aggregate: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = aggregate('m.sum', sum, { highWaterMark: 1 });
  let n = 0;
  while (stage.write(window(n, [[{}, [n]]])) && n < 100) n++;
  t.ok(n < 5, `write() returned false after ${n + 1} writes`);
  stage.end();
  const out = (await stage.toArray()) as MElement[][];
  t.same(
    out.flat().map((e) => e.value),
    Array.from({ length: n + 1 }, (_, i) => i),
  );
});

t.test('aggregate: destroy() mid-stream', async (t) => {
  const stage = aggregate('m.sum', sum);
  stage.write(window(1, [[{}, [1]]]));
  stage.destroy();
  await new Promise((r) => stage.on('close', r));
  t.ok(stage.destroyed);
});
