import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { flushOnExit } from '../src/flushOnExit.js';
import { ErrorCode, MetrixError } from '../src/MetrixError.js';
import { installClock } from './helpers/clock.js';
import { until } from './helpers/until.js';

const fixture = fileURLToPath(new URL('./fixtures/flush-on-exit.ts', import.meta.url));

/** Runs the fixture; `output` grows as it prints; `exit` resolves with its code and signal. */
function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  // A fixture still alive after 30 s is killed, and the test says so instead of hanging.
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal });
    });
  });
  return { child, out, exit };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('flushOnExit: a program with nothing to do exits on its own — the listeners keep nothing alive', async (t) => {
  const { out, exit } = run(['idle']);
  const { code, signal } = await exit;
  t.equal(signal, null, out.stderr);
  t.equal(code, 0, out.stderr);
  t.match(out.stdout, /ready/);
});

t.test(
  'flushOnExit: a program that delivered and went idle, never closed, exits on its own (no stall watch left referenced)',
  async (t) => {
    const started = Date.now();
    const { out, exit } = run(['delivered']);
    const { code, signal } = await exit;
    t.equal(signal, null, 'not killed by the 30 s guard');
    t.equal(code, 0, out.stderr);
    t.equal(out.stdout.match(/a\.count=1/g)?.length, 5, 'the five elements were delivered first');
    t.ok(Date.now() - started < 20_000, 'well before the 60 s stall timeout');
  },
);

t.test('flushOnExit: SIGTERM flushes what is held to the sink, then ends the process by SIGTERM', async (t) => {
  const { child, out, exit } = run(['flush']);
  await until(() => out.stdout.includes('ready'), 'the fixture to be ready');
  child.kill('SIGTERM');
  const { signal } = await exit;
  t.equal(signal, 'SIGTERM', 'ended by the signal, as without the helper');
  t.match(out.stdout, /a\.count=5/, 'the partial batch was delivered first');
  t.equal(out.stderr, '');
});

t.test('flushOnExit: a hung sink — the deadline reports what was not delivered, then the process ends', async (t) => {
  const { child, out, exit } = run(['hung', '300']);
  await until(() => out.stdout.includes('ready'), 'the fixture to be ready');
  child.kill('SIGINT');
  const { signal } = await exit;
  t.equal(signal, 'SIGINT');
  t.match(out.stderr, /ERR_METRIX_CLOSE_TIMEOUT/);
  t.match(out.stderr, /1 to sink #0/);
});

t.test('flushOnExit: a second signal during the flush ends the process at once', async (t) => {
  const { child, out, exit } = run(['hung', '60000']);
  await until(() => out.stdout.includes('ready'), 'the fixture to be ready');
  child.kill('SIGINT');
  await until(() => out.stdout.includes('handling'), 'the flush to reach the hung sink');
  child.kill('SIGINT');
  const { signal } = await exit;
  t.equal(signal, 'SIGINT', 'the usual Ctrl-C, not a 60 s wait');
});

t.test('flushOnExit: in process — listeners added, removed on the signal or by the returned function', async (t) => {
  const before = process.listenerCount('SIGUSR2');
  const calls: unknown[] = [];
  const closable = {
    close(options?: { timeoutMs?: number }) {
      calls.push(options);
      return Promise.resolve();
    },
  };
  const remove = flushOnExit(closable, { signals: ['SIGUSR2'], exit: false, timeoutMs: 1234 });
  t.equal(process.listenerCount('SIGUSR2'), before + 1);
  remove();
  t.equal(process.listenerCount('SIGUSR2'), before, 'the returned function removes them');
  flushOnExit(closable, { signals: ['SIGUSR2'], exit: false, timeoutMs: 1234 });
  process.emit('SIGUSR2', 'SIGUSR2');
  t.equal(process.listenerCount('SIGUSR2'), before, 'removed at the first signal');
  t.same(calls, [{ timeoutMs: 1234 }]);
  await turn();
  t.equal(process.exitCode, undefined, 'a clean close leaves the exit code alone');
});

t.test('flushOnExit: a failed close goes to onError and sets the exit code; nothing waits after', async (t) => {
  const clock = installClock(t);
  const saved = process.exitCode;
  t.teardown(() => {
    process.exitCode = saved;
  });
  const boom = new Error('flush failed');
  const errors: unknown[] = [];
  flushOnExit(
    { close: () => Promise.reject(boom) },
    { signals: ['SIGUSR2'], exit: false, onError: (e) => errors.push(e) },
  );
  process.emit('SIGUSR2', 'SIGUSR2');
  await clock.tickAsync(0);
  t.same(errors, [boom]);
  t.equal(process.exitCode, 1);
  t.equal(clock.countTimers(), 0, 'its timer is cleared');

  process.exitCode = saved;
  const never = { close: () => new Promise<void>(() => {}) };
  flushOnExit(never, { signals: ['SIGUSR2'], exit: false, timeoutMs: 100, onError: (e) => errors.push(e) });
  process.emit('SIGUSR2', 'SIGUSR2');
  await clock.tickAsync(1099);
  t.equal(errors.length, 1, 'waits for the deadline and its grace');
  await clock.tickAsync(1);
  t.ok(MetrixError.is(errors[1], ErrorCode.CLOSE_TIMEOUT), 'then gives up with ERR_METRIX_CLOSE_TIMEOUT');
  t.equal(clock.countTimers(), 0);
});

t.test('flushOnExit: invalid arguments throw ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  const ok = { close: () => Promise.resolve() };
  const before = process.listenerCount('SIGINT');
  for (const [what, fn] of [
    ['no close()', () => flushOnExit({} as never)],
    ['null', () => flushOnExit(null as never)],
    ['signals empty', () => flushOnExit(ok, { signals: [] })],
    ['signals not names', () => flushOnExit(ok, { signals: ['int' as never] })],
    ['timeoutMs negative', () => flushOnExit(ok, { timeoutMs: -1 })],
    ['timeoutMs Infinity', () => flushOnExit(ok, { timeoutMs: Number.POSITIVE_INFINITY })],
    ['onError', () => flushOnExit(ok, { onError: 1 as never })],
  ] as const) {
    t.throws(fn, { code: ErrorCode.INVALID_ARGUMENT }, what);
  }
  t.equal(process.listenerCount('SIGINT'), before, 'nothing was added');
});
