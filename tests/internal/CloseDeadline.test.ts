import t from 'tap';
import { CloseDeadline, closeOptions } from '../../src/internal/CloseDeadline.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { installClock } from '../helpers/clock.js';

t.test('CloseDeadline: the earliest of several deadlines passes, once, and clears the others', async (t) => {
  const clock = installClock(t);
  const passed: string[] = [];
  const d = new CloseDeadline((why) => passed.push(why));
  d.arm({ timeoutMs: 500 });
  d.arm({ timeoutMs: 200 });
  t.equal(clock.countTimers(), 2);
  await clock.tickAsync(199);
  t.same(passed, []);
  await clock.tickAsync(1);
  t.same(passed, ['its 200 ms deadline passed']);
  t.equal(d.why, 'its 200 ms deadline passed');
  t.equal(clock.countTimers(), 0, 'the later timer is cleared');
  await clock.tickAsync(1000);
  t.equal(passed.length, 1);
});

t.test('CloseDeadline: a signal — aborted later, or already — and 0 ms pass at once', async (t) => {
  const passed: string[] = [];
  const controller = new AbortController();
  const d = new CloseDeadline((why) => passed.push(why));
  d.arm({ signal: controller.signal });
  controller.abort();
  t.same(passed, ['its signal was aborted']);
  new CloseDeadline((why) => passed.push(why)).arm({ signal: AbortSignal.abort() });
  new CloseDeadline((why) => passed.push(why)).arm({ timeoutMs: 0 });
  t.same(passed.slice(1), ['its signal was aborted', 'its 0 ms deadline passed']);
});

t.test('CloseDeadline: clear() removes timers and signal listeners; nothing passes after', async (t) => {
  const clock = installClock(t);
  const controller = new AbortController();
  const passed: string[] = [];
  const d = new CloseDeadline((why) => passed.push(why));
  d.arm({ timeoutMs: 100, signal: controller.signal });
  d.clear();
  t.equal(clock.countTimers(), 0);
  controller.abort();
  await clock.tickAsync(200);
  t.same(passed, []);
  t.equal(d.why, undefined);
});

t.test('closeOptions: validates timeoutMs and signal', async (t) => {
  t.same(closeOptions({}), { timeoutMs: undefined, signal: undefined });
  t.same(closeOptions({ timeoutMs: 0 }), { timeoutMs: 0, signal: undefined });
  for (const bad of [null, 5, { timeoutMs: -1 }, { timeoutMs: Number.POSITIVE_INFINITY }, { signal: 'x' }]) {
    t.throws(() => closeOptions(bad as never), { code: ErrorCode.INVALID_ARGUMENT }, JSON.stringify(bad));
  }
});
