import fc from 'fast-check';
import t from 'tap';
import { ErrorCode } from '../../../src/MetrixError.js';
import { backoffDelay, retryPolicy, sleep } from '../../../src/sinks/transport/retry.js';
import { installClock } from '../../helpers/clock.js';

t.test('retry: defaults', async (t) => {
  t.same(retryPolicy(undefined, 'S'), { initialDelayMs: 100, maxDelayMs: 10_000, maxRetries: 10, jitter: 0.2 });
  t.equal(retryPolicy({ maxRetries: Number.POSITIVE_INFINITY }, 'S').maxRetries, Number.POSITIVE_INFINITY);
  t.equal(
    retryPolicy({ initialDelayMs: 500, maxDelayMs: 100 }, 'S').maxDelayMs,
    500,
    'the cap is never below the start',
  );
});

t.test('retry: each invalid option throws ERR_METRIX_INVALID_ARGUMENT naming it', async (t) => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /retry must be an object/],
    [5, /retry must be an object/],
    [{ initialDelayMs: -1 }, /initialDelayMs/],
    [{ initialDelayMs: Number.NaN }, /initialDelayMs/],
    [{ maxDelayMs: Number.POSITIVE_INFINITY }, /maxDelayMs/],
    [{ maxRetries: -1 }, /maxRetries/],
    [{ maxRetries: 1.5 }, /maxRetries must be an integer/],
    [{ jitter: 2 }, /jitter must be between 0 and 1/],
    [{ jitter: '0.1' }, /jitter/],
  ];
  for (const [options, message] of bad) {
    t.throws(
      () => retryPolicy(options as never, 'MSinkX'),
      { code: ErrorCode.INVALID_ARGUMENT, message },
      String(message),
    );
  }
});

t.test('retry: delays double from initialDelayMs up to maxDelayMs', async (t) => {
  const p = retryPolicy({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 }, 'S');
  t.same(
    [1, 2, 3, 4, 5, 6, 2000].map((n) => backoffDelay(p, n)),
    [100, 200, 400, 800, 1000, 1000, 1000],
  );
});

t.test('retry: jitter takes up to its fraction off, never more, never below zero (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 1, max: 5000 }),
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      (initialDelayMs, maxDelayMs, jitter, retry, r) => {
        const p = retryPolicy({ initialDelayMs, maxDelayMs, jitter }, 'S');
        const full = initialDelayMs === 0 ? 0 : Math.min(p.maxDelayMs, initialDelayMs * 2 ** (retry - 1));
        const d = backoffDelay(p, retry, () => r);
        return d >= 0 && d <= p.maxDelayMs && d >= Math.floor(full * (1 - jitter)) && d <= Math.ceil(full);
      },
    ),
  );
  t.pass('the property held');
});

t.test('retry: sleep resolves true after the delay', async (t) => {
  const clock = installClock(t);
  let done: boolean | undefined;
  void sleep(250, new AbortController().signal).then((v) => {
    done = v;
  });
  await clock.tickAsync(249);
  t.equal(done, undefined);
  await clock.tickAsync(1);
  t.equal(done, true);
  t.equal(clock.countTimers(), 0);
});

t.test('retry: an aborted sleep resolves false at once and clears its timer', async (t) => {
  const clock = installClock(t);
  const ac = new AbortController();
  const p = sleep(10_000, ac.signal);
  t.equal(clock.countTimers(), 1);
  ac.abort();
  t.equal(await p, false);
  t.equal(clock.countTimers(), 0, 'no timer left to keep a process alive');
  t.equal(await sleep(5, ac.signal), false, 'already aborted: no timer at all');
  t.equal(clock.countTimers(), 0);
});
