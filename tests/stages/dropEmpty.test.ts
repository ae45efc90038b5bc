import t from 'tap';
import { ErrorCode } from '../../src/MetrixError.js';
import { dropEmpty } from '../../src/stages/dropEmpty.js';
import { run } from '../helpers/streams.js';

t.test('dropEmpty: smoke — drops empty arrays, keeps the rest in order', async (t) => {
  const a = [1];
  const b = [2, 3];
  const out = await run(dropEmpty(), [a, [], b, []]);
  t.equal(out.length, 2);
  t.equal(out[0], a, 'passed on unchanged (same array)');
  t.equal(out[1], b);
});

t.test('dropEmpty: empty input, one item', async (t) => {
  t.same(await run(dropEmpty(), []), []);
  t.same(await run(dropEmpty(), [[]]), []);
  t.same(await run(dropEmpty(), [[1]]), [[1]]);
});

t.test('dropEmpty: invalid options', async (t) => {
  t.throws(() => dropEmpty({ highWaterMark: 1.5 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('dropEmpty: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = dropEmpty({ highWaterMark: 1 });
  let n = 0;
  while (stage.write([n]) && n < 100) n++;
  t.ok(n < 5, `write() returned false after ${n + 1} writes`);
  stage.end();
  t.same(
    (await stage.toArray()).flat(),
    Array.from({ length: n + 1 }, (_, i) => i),
  );
});

t.test('dropEmpty: destroy() mid-stream', async (t) => {
  const stage = dropEmpty();
  stage.write([1]);
  stage.destroy();
  await new Promise((r) => stage.on('close', r));
  t.ok(stage.destroyed);
});
