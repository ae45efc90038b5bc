import { Transform } from 'readable-stream';
import t from 'tap';
import { count, max, sum } from '../../src/aggregators/builtins.js';
import { Accumulation } from '../../src/engine/Accumulation.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { aggregate } from '../../src/stages/aggregate.js';
import { batchByCount } from '../../src/stages/batchByCount.js';
import { flatten } from '../../src/stages/flatten.js';
import { windowPlan } from '../../src/stages/windowingStage.js';
import { zipAggs } from '../../src/stages/zipAggs.js';
import { nextError, run } from '../helpers/streams.js';

const table = new SeriesTable();
/** A closed window of one series (no tags) holding `values`, keeping the values. */
function window(time: number, values: number[]): MetricWindow {
  const acc = new Accumulation(windowPlan(undefined));
  for (const v of values) acc.add(table.defaultSeries, v);
  return acc.close(time);
}
const names = (out: MElement[][][]) =>
  out.map((tuple) => tuple.map((branch) => branch.map((e) => `${e.name}=${e.value}`)));

t.test('zipAggs: smoke — keeps the aggregations of one input together, in branch order', async (t) => {
  const out = await run<MElement[][]>(zipAggs([aggregate('m.sum', sum), aggregate('m.max', max)]), [
    window(1, [1, 2]),
    window(2, [5]),
  ]);
  t.same(names(out), [
    [['m.sum=3'], ['m.max=2']],
    [['m.sum=5'], ['m.max=5']],
  ]);
});

t.test(
  'zipAggs: batchByCount → zipAggs → flatten gives each batch’s aggregations, aggregation by aggregation',
  async (t) => {
    const batches = batchByCount(3, { agg: [sum, count] });
    const out = batches.pipe(zipAggs([aggregate('m.sum', sum), aggregate('m.count', count)])).pipe(flatten());
    const got: MElement[] = [];
    out.on('data', (e: MElement) => got.push(e));
    for (const [v, k] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'a'],
      [4, 'b'],
    ] as const) {
      batches.write({ value: v, tags: { k } });
    }
    batches.end();
    await new Promise((r) => out.on('end', r));
    t.same(
      got.map((e) => `${e.name}{${e.key}}=${e.value}`),
      ['m.sum{k:a}=4', 'm.sum{k:b}=2', 'm.count{k:a}=2', 'm.count{k:b}=1', 'm.sum{k:b}=4', 'm.count{k:b}=1'],
    );
  },
);

t.test('zipAggs: empty input, one item, one branch', async (t) => {
  t.same(await run(zipAggs([aggregate('m.sum', sum)]), []), []);
  t.same(names(await run<MElement[][]>(zipAggs([aggregate('m.sum', sum)]), [window(1, [4])])), [[['m.sum=4']]]);
});

t.test('zipAggs: an empty window gives a tuple of empty arrays', async (t) => {
  t.same(await run(zipAggs([aggregate('m.sum', sum), aggregate('m.max', max)]), [window(1, [])]), [[[], []]]);
});

t.test('zipAggs: waits for a slow (async) branch and still keeps order', async (t) => {
  const slow = new Transform({
    objectMode: true,
    transform(chunk: MetricWindow, _e, cb) {
      setImmediate(() => cb(null, [new MElement('slow', chunk.time)]));
    },
  });
  const out = await run<MElement[][]>(zipAggs([slow, aggregate('m.sum', sum)]), [
    window(1, [1]),
    window(2, [2]),
    window(3, [3]),
  ]);
  t.same(names(out), [
    [['slow=1'], ['m.sum=1']],
    [['slow=2'], ['m.sum=2']],
    [['slow=3'], ['m.sum=3']],
  ]);
});

t.test('zipAggs: invalid branches throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  t.throws(() => zipAggs([]), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => zipAggs([{} as never]), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => zipAggs([null as never]), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => zipAggs('x' as never), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => zipAggs([aggregate('m.sum', sum)], { highWaterMark: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('zipAggs: a branch error reaches error unchanged and destroys the other branches', async (t) => {
  const boom = new Error('boom');
  const other = aggregate('m.sum', sum);
  const zip = zipAggs([
    other,
    aggregate('m.bad', () => {
      throw boom;
    }),
  ]);
  const err = nextError(zip);
  zip.write(window(1, [1]));
  t.equal(await err, boom);
  await new Promise((r) => setImmediate(r));
  t.ok(other.destroyed, 'sibling branch destroyed');
});

t.test('zipAggs: branches with different output counts fail at end', async (t) => {
  const silent = new Transform({ objectMode: true, transform: (_c, _e, cb) => cb() });
  const zip = zipAggs([silent, aggregate('m.sum', sum)]);
  const err = nextError(zip);
  zip.resume();
  zip.write(window(1, [1]));
  zip.end();
  t.match(await err, { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('zipAggs: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const zip = zipAggs([aggregate('m.sum', sum), aggregate('m.max', max)], { highWaterMark: 1 });
  const writes: boolean[] = [];
  for (let n = 0; n < 20; n++) {
    writes.push(zip.write(window(n, [n])));
    await new Promise((r) => setImmediate(r));
  }
  t.ok(writes.includes(false), 'write() returned false without a reader');
  zip.end();
  const out = (await zip.toArray()) as MElement[][][];
  t.same(
    out.map((tuple) => tuple[0]?.[0]?.value),
    Array.from({ length: 20 }, (_, i) => i),
  );
  t.same(
    out.map((tuple) => tuple[1]?.[0]?.value),
    Array.from({ length: 20 }, (_, i) => i),
  );
});

t.test('zipAggs: a branch with a tiny highWaterMark slows the zip, nothing lost', async (t) => {
  const zip = zipAggs([aggregate('m.sum', sum, { highWaterMark: 1 }), aggregate('m.max', max)]);
  const out = await run<MElement[][]>(
    zip,
    Array.from({ length: 50 }, (_, i) => window(i, [i])),
  );
  t.same(
    out.map((tuple) => tuple.map((b) => b[0]?.value)),
    Array.from({ length: 50 }, (_, i) => [i, i]),
  );
});

t.test('zipAggs: destroy() destroys its branches', async (t) => {
  const a = aggregate('m.sum', sum);
  const zip = zipAggs([a]);
  zip.write(window(1, [1]));
  zip.destroy();
  await new Promise((r) => zip.on('close', r));
  t.ok(a.destroyed);
});
