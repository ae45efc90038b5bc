import t from 'tap';
import { ErrorCode } from '../../src/MetrixError.js';
import { flatten } from '../../src/stages/flatten.js';
import { pipeThrough, run } from '../helpers/streams.js';

t.test('flatten: smoke — emits items in order, nested to any depth', async (t) => {
  t.same(await run(flatten(), [['a', 'b'], [], [['c'], ['d', ['e']]]]), ['a', 'b', 'c', 'd', 'e']);
});

t.test('flatten: non-arrays pass through; null and undefined are skipped', async (t) => {
  t.same(await run(flatten(), [1, [null, 2, undefined]]), [1, 2]);
});

t.test('flatten: empty input, one item', async (t) => {
  t.same(await run(flatten(), []), []);
  t.same(await pipeThrough(flatten(), [[7]]), [7]);
});

t.test('flatten: invalid options', async (t) => {
  t.throws(() => flatten({ highWaterMark: Number.NaN }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('flatten: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = flatten({ highWaterMark: 1 });
  let n = 0;
  while (stage.write([n * 2, n * 2 + 1]) && n < 100) n++;
  t.ok(n < 5, `write() returned false after ${n + 1} writes`);
  stage.end();
  t.same(
    await stage.toArray(),
    Array.from({ length: 2 * (n + 1) }, (_, i) => i),
  );
});

t.test('flatten: destroy() mid-stream', async (t) => {
  const stage = flatten();
  stage.write([1]);
  stage.destroy();
  await new Promise((r) => stage.on('close', r));
  t.ok(stage.destroyed);
});
