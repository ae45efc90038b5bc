import FakeTimers from '@sinonjs/fake-timers';

/** A fake clock installed on the globals. */
export type FakeClock = ReturnType<typeof FakeTimers.install>;

/** A time that is a multiple of every window length the tests use. */
export const T0 = 1_800_000_000_000;

/**
 * Installs a fake clock (timers, Date, performance) for one test and uninstalls it in teardown.
 * nextTick, microtasks and setImmediate stay real: streams need them to move.
 */
export function installClock(t: { teardown(fn: () => void): void }, now = T0): FakeClock {
  const clock = FakeTimers.install({
    now,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  t.teardown(() => clock.uninstall());
  return clock;
}
