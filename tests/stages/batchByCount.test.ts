import fc from 'fast-check';
import t from 'tap';
import { type GroupingStage, kAccept } from '../../src/internal/accept.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { batchByCount } from '../../src/stages/batchByCount.js';
import { pipeThrough, run } from '../helpers/streams.js';

const els = (n: number) => Array.from({ length: n }, (_, i) => new MElement('m', i));
const values = (batches: MElement[][]) => batches.map((b) => b.map((e) => e.value));

t.test('batchByCount: smoke — exact multiple', async (t) => {
  t.same(values(await run(batchByCount(2), els(4))), [
    [0, 1],
    [2, 3],
  ]);
});

t.test('batchByCount: remainder is emitted at end of input', async (t) => {
  t.same(values(await run(batchByCount(2), els(5))), [[0, 1], [2, 3], [4]]);
});

t.test('batchByCount: empty input gives no output', async (t) => {
  t.same(await run(batchByCount(3), []), []);
});

t.test('batchByCount: one item', async (t) => {
  t.same(values(await run(batchByCount(3), els(1))), [[0]]);
  t.same(values(await run(batchByCount(1), els(1))), [[0]]);
});

t.test('batchByCount: invalid size throws ERR_METRIX_INVALID_GROUPING', async (t) => {
  for (const size of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number]) {
    t.throws(() => batchByCount(size), { code: ErrorCode.INVALID_GROUPING }, String(size));
  }
  t.throws(() => batchByCount(2, { highWaterMark: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('batchByCount: the synchronous entry batches like write()', async (t) => {
  const stage = batchByCount(2) as GroupingStage;
  const out: MElement[][] = [];
  stage.on('data', (b: MElement[]) => out.push(b));
  for (const e of els(3)) stage[kAccept](e);
  stage.end();
  await new Promise((r) => stage.on('end', r));
  t.same(values(out), [[0, 1], [2]]);
});

t.test('batchByCount: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = batchByCount(1, { highWaterMark: 1 });
  let accepted = 0;
  while (stage.write(new MElement('m', accepted))) {
    accepted++;
    if (accepted > 100) break;
  }
  t.ok(accepted < 5, `write() returned false after ${accepted} writes without a reader`);
  const total = accepted + 1;
  stage.end();
  const out = (await stage.toArray()) as MElement[][];
  t.same(
    out.flat().map((e) => e.value),
    Array.from({ length: total }, (_, i) => i),
  );
});

t.test('batchByCount: destroy() mid-stream stops it without output', async (t) => {
  const stage = batchByCount(10);
  stage.write(new MElement('m', 1));
  stage.destroy();
  await new Promise((r) => stage.on('close', r));
  t.ok(stage.destroyed);
});

t.test('batchByCount: loses and duplicates nothing, keeps order, batch sizes exact (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), async (n, size) => {
      const batches = await pipeThrough<MElement[]>(batchByCount(size), els(n));
      const flat = batches.flat().map((e) => e.value);
      const sizesOk = batches.every((b, i) =>
        i < batches.length - 1 ? b.length === size : b.length >= 1 && b.length <= size,
      );
      return sizesOk && flat.length === n && flat.every((v, i) => v === i);
    }),
    { numRuns: 60 },
  );
  t.pass('held');
});
