import t from 'tap';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { batchByCount } from '../../src/stages/batchByCount.js';
import { dropEmpty } from '../../src/stages/dropEmpty.js';
import { windowByTime } from '../../src/stages/windowByTime.js';
import { installClock } from '../helpers/clock.js';
import { run } from '../helpers/streams.js';
import { valuesOf } from '../helpers/windows.js';

/** A stand-in window: dropEmpty reads only `count`. */
const win = (count: number) => ({ count, groups: [], time: 0 }) as unknown as MetricWindow;

t.test('dropEmpty: smoke — drops windows with count 0, passes the others unchanged, in order', async (t) => {
  const a = win(1);
  const b = win(2);
  const out = await run(dropEmpty(), [a, win(0), b, win(0)]);
  t.equal(out.length, 2);
  t.equal(out[0], a, 'passed on unchanged (same object)');
  t.equal(out[1], b);
});

t.test('dropEmpty: drops the empty windows of windowByTime', async (t) => {
  const clock = installClock(t);
  const windows = windowByTime(1);
  const kept = windows.pipe(dropEmpty());
  const out: MetricWindow[] = [];
  kept.on('data', (w: MetricWindow) => out.push(w));
  await clock.tickAsync(2000);
  windows.write(1);
  await clock.tickAsync(2000);
  windows.write(2);
  windows.end();
  await new Promise((r) => kept.on('end', r));
  t.same(out.map(valuesOf), [[1], [2]]);
});

t.test('dropEmpty: empty arrays are dropped too; other items pass', async (t) => {
  const a = [1];
  const out = await run(dropEmpty(), [[], a, []]);
  t.same(out, [[1]]);
  t.equal(out[0], a);
});

t.test('dropEmpty: empty input, one item', async (t) => {
  t.same(await run(dropEmpty(), []), []);
  t.same(await run(dropEmpty(), [win(0)]), []);
  const [b] = await run<MetricWindow>(batchByCount(1), [5]);
  t.same((await run<MetricWindow>(dropEmpty(), [b])).map(valuesOf), [[5]]);
});

t.test('dropEmpty: invalid options', async (t) => {
  t.throws(() => dropEmpty({ highWaterMark: 1.5 }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => dropEmpty({ highWaterMark: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('dropEmpty: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = dropEmpty({ highWaterMark: 1 });
  const sent: MetricWindow[] = [];
  let n = 0;
  for (;;) {
    const w = win(n + 1);
    sent.push(w);
    if (!stage.write(w) || n >= 100) break;
    n++;
  }
  t.ok(n < 5, `write() returned false after ${n + 1} writes`);
  stage.end();
  const out = await stage.toArray();
  t.equal(out.length, sent.length);
  t.ok(
    out.every((w, i) => w === sent[i]),
    'the same windows, in order',
  );
});

t.test('dropEmpty: destroy() mid-stream', async (t) => {
  const stage = dropEmpty();
  stage.write(win(1));
  stage.destroy();
  await new Promise((r) => stage.on('close', r));
  t.ok(stage.destroyed);
});
