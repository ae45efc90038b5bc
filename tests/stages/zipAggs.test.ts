import { Transform } from 'readable-stream';
import t from 'tap';
import { max, sum } from '../../src/aggregators/builtins.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { aggregate } from '../../src/stages/aggregate.js';
import { ElementGroup, type GroupedElements } from '../../src/stages/types.js';
import { zipAggs } from '../../src/stages/zipAggs.js';
import { nextError, run } from '../helpers/streams.js';

const grouped = (time: number, values: number[]): GroupedElements => ({
  time,
  groups: [
    new ElementGroup(
      '',
      Object.freeze({}),
      values.map((v) => new MElement('m', v)),
    ),
  ],
});
const names = (out: MElement[][][]) =>
  out.map((tuple) => tuple.map((branch) => branch.map((e) => `${e.name}=${e.value}`)));

t.test('zipAggs: smoke — keeps the aggregations of one input together, in branch order', async (t) => {
  const out = await run<MElement[][]>(zipAggs([aggregate('m.sum', sum), aggregate('m.max', max)]), [
    grouped(1, [1, 2]),
    grouped(2, [5]),
  ]);
  t.same(names(out), [
    [['m.sum=3'], ['m.max=2']],
    [['m.sum=5'], ['m.max=5']],
  ]);
});

t.test('zipAggs: empty input, one item, one branch', async (t) => {
  t.same(await run(zipAggs([aggregate('m.sum', sum)]), []), []);
  t.same(names(await run<MElement[][]>(zipAggs([aggregate('m.sum', sum)]), [grouped(1, [4])])), [[['m.sum=4']]]);
});

t.test('zipAggs: waits for a slow (async) branch and still keeps order', async (t) => {
  const slow = new Transform({
    objectMode: true,
    transform(chunk: GroupedElements, _e, cb) {
      setImmediate(() => cb(null, [new MElement('slow', chunk.time)]));
    },
  });
  const out = await run<MElement[][]>(zipAggs([slow, aggregate('m.sum', sum)]), [
    grouped(1, [1]),
    grouped(2, [2]),
    grouped(3, [3]),
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
  t.throws(() => zipAggs('x' as never), { code: ErrorCode.INVALID_ARGUMENT });
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
  zip.write(grouped(1, [1]));
  t.equal(await err, boom);
  await new Promise((r) => setImmediate(r));
  t.ok(other.destroyed, 'sibling branch destroyed');
});

t.test('zipAggs: branches with different output counts fail at end', async (t) => {
  const silent = new Transform({ objectMode: true, transform: (_c, _e, cb) => cb() });
  const zip = zipAggs([silent, aggregate('m.sum', sum)]);
  const err = nextError(zip);
  zip.resume();
  zip.write(grouped(1, [1]));
  zip.end();
  t.match(await err, { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('zipAggs: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const zip = zipAggs([aggregate('m.sum', sum), aggregate('m.max', max)], { highWaterMark: 1 });
  let n = 0;
  const writes: boolean[] = [];
  for (; n < 20; n++) {
    writes.push(zip.write(grouped(n, [n])));
    await new Promise((r) => setImmediate(r));
  }
  t.ok(writes.includes(false), 'write() returned false without a reader');
  zip.end();
  const out = (await zip.toArray()) as MElement[][][];
  t.same(
    out.map((tuple) => tuple[0]?.[0]?.value),
    Array.from({ length: 20 }, (_, i) => i),
  );
});

t.test('zipAggs: destroy() destroys its branches', async (t) => {
  const a = aggregate('m.sum', sum);
  const zip = zipAggs([a]);
  zip.destroy();
  await new Promise((r) => zip.on('close', r));
  t.ok(a.destroyed);
});
