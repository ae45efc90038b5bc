import fc from 'fast-check';
import t from 'tap';
import { ErrorCode, MetrixError } from '../../../src/MetrixError.js';
import { Batcher, type BatcherOptions } from '../../../src/sinks/transport/Batcher.js';
import { retryPolicy } from '../../../src/sinks/transport/retry.js';
import { installClock } from '../../helpers/clock.js';

interface Harness {
  batcher: Batcher;
  /** Every attempt, in order, with the items it carried. */
  attempts: string[][];
  /** Items acknowledged, in order. */
  acked: string[];
  retries: Array<[string, number, number]>;
  dropped: Array<[MetrixError, number]>;
  failures: MetrixError[];
}

type Outcome = 'ok' | Error | Promise<void>;

/** A batcher whose `send` answers from `script` (one outcome per attempt; 'ok' after the end). */
function harness(options: Partial<BatcherOptions> = {}, script: Outcome[] = []): Harness {
  const h: Harness = { attempts: [], acked: [], retries: [], dropped: [], failures: [] } as unknown as Harness;
  h.batcher = new Batcher({
    batchSize: 3,
    flushIntervalMs: 1000,
    maxInFlight: 1,
    retry: retryPolicy({ initialDelayMs: 100, maxDelayMs: 1000, maxRetries: 3, jitter: 0 }, 'S'),
    onRejected: 'error',
    what: 'S(test)',
    async send(items, signal) {
      h.attempts.push([...items]);
      const outcome = script.shift() ?? 'ok';
      if (outcome instanceof Error) throw outcome;
      if (outcome !== 'ok') {
        await new Promise<void>((resolve, reject) => {
          outcome.then(resolve, reject);
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        });
      }
      h.acked.push(...items);
    },
    onRetry: (error, retry, delayMs) => h.retries.push([error.message, retry, delayMs]),
    onDropped: (error, count) => h.dropped.push([error, count]),
    onFailure: (error) => h.failures.push(error),
    ...options,
  });
  return h;
}

const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const rejected = () =>
  new MetrixError(ErrorCode.BACKEND_REJECTED, 'S(test): the backend answered 400 Bad Request: bad line');
/** A Promise plus its resolve function: a backend that answers when the test says so. */
function gate(): { promise: Promise<void>; open: () => void; fail: (error: Error) => void } {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

t.test('batcher: a full batch goes at once, a partial one after flushIntervalMs', async (t) => {
  const clock = installClock(t);
  const h = harness();
  for (const x of ['a', 'b', 'c', 'd']) t.equal(h.batcher.add(x), undefined, `${x} accepted at once`);
  await clock.tickAsync(0);
  t.same(h.attempts, [['a', 'b', 'c']]);
  await clock.tickAsync(999);
  t.same(h.attempts.length, 1, 'd waits for its batch to fill');
  await clock.tickAsync(1);
  t.same(h.attempts, [['a', 'b', 'c'], ['d']], 'd goes when its wait is over');
  t.equal(h.batcher.sent, 4);
  t.equal(clock.countTimers(), 0);
});

t.test('batcher: flushIntervalMs 0 sends what has gathered as soon as a slot is free', async (t) => {
  installClock(t);
  const g = gate();
  const h = harness({ flushIntervalMs: 0 }, [g.promise]);
  h.batcher.add('a');
  h.batcher.add('b');
  h.batcher.add('c');
  t.same(h.attempts, [['a']], 'a went alone; b and c wait for the slot');
  g.open();
  await h.batcher.flush();
  t.same(h.attempts, [['a'], ['b', 'c']]);
});

t.test('batcher: flush() sends the open batch and waits for every acknowledgement', async (t) => {
  installClock(t);
  const h = harness();
  h.batcher.add('a');
  await h.batcher.flush();
  t.same(h.acked, ['a']);
  await h.batcher.flush();
  t.pass('an empty flush resolves at once');
});

t.test('batcher: backpressure — add() waits while the open batch is full and every slot busy', async (t) => {
  installClock(t);
  const g = gate();
  const h = harness({ batchSize: 2 }, [g.promise]);
  t.equal(h.batcher.add('a'), undefined);
  t.equal(h.batcher.add('b'), undefined, 'the first full batch takes the free slot');
  t.equal(h.batcher.add('c'), undefined);
  const waiting = h.batcher.add('d');
  t.type(waiting, Promise, 'second full batch: no slot, the caller must wait');
  let released = false;
  void (waiting as Promise<void>).then(() => {
    released = true;
  });
  await new Promise((r) => setImmediate(r));
  t.notOk(released, 'still waiting while the backend has not answered');
  t.equal(h.batcher.inFlight, 1);
  g.open();
  await waiting;
  t.ok(released);
  await h.batcher.flush();
  t.same(h.attempts, [
    ['a', 'b'],
    ['c', 'd'],
  ]);
});

t.test('batcher: maxInFlight batches go at the same time, no more', async (t) => {
  installClock(t);
  const gates = [gate(), gate(), gate()];
  const h = harness(
    { batchSize: 1, maxInFlight: 2 },
    gates.map((g) => g.promise),
  );
  h.batcher.add('a');
  h.batcher.add('b');
  const third = h.batcher.add('c');
  t.equal(h.batcher.inFlight, 2);
  t.type(third, Promise);
  t.same(h.attempts, [['a'], ['b']]);
  gates[1]?.open();
  await third;
  t.same(h.attempts, [['a'], ['b'], ['c']]);
  gates[0]?.open();
  gates[2]?.open();
  await h.batcher.flush();
  t.same(h.acked.sort(), ['a', 'b', 'c']);
});

t.test('batcher: a failed batch is retried whole with doubling delays, then acknowledged once', async (t) => {
  const clock = installClock(t);
  const h = harness({}, [reset(), reset()]);
  for (const x of ['a', 'b', 'c']) h.batcher.add(x);
  await clock.tickAsync(0);
  t.equal(h.attempts.length, 1);
  await clock.tickAsync(99);
  t.equal(h.attempts.length, 1, 'no retry before the first delay');
  await clock.tickAsync(1);
  t.equal(h.attempts.length, 2, 'first retry after 100 ms');
  await clock.tickAsync(200);
  t.equal(h.attempts.length, 3, 'second retry after 200 more');
  t.same(h.attempts, [
    ['a', 'b', 'c'],
    ['a', 'b', 'c'],
    ['a', 'b', 'c'],
  ]);
  t.same(h.acked, ['a', 'b', 'c']);
  t.same(h.retries, [
    ['read ECONNRESET', 1, 100],
    ['read ECONNRESET', 2, 200],
  ]);
  t.equal(h.batcher.retries, 2);
  t.equal(clock.countTimers(), 0);
});

t.test('batcher: after maxRetries it fails with ERR_METRIX_BACKEND_UNAVAILABLE, the last error as cause', async (t) => {
  const clock = installClock(t);
  const last = reset();
  const h = harness({}, [reset(), reset(), reset(), last]);
  for (const x of ['a', 'b']) h.batcher.add(x);
  const flushed = h.batcher.flush();
  flushed.catch(() => {});
  await clock.tickAsync(100 + 200 + 400);
  t.equal(h.attempts.length, 4, 'one attempt and three retries');
  t.equal(h.failures.length, 1);
  const failure = h.failures[0] as MetrixError;
  t.equal(failure.code, ErrorCode.BACKEND_UNAVAILABLE);
  t.equal(failure.cause, last);
  t.match(failure.message, /gave up on a batch of 2 after 3 retries: read ECONNRESET/);
  await t.rejects(flushed, { code: ErrorCode.BACKEND_UNAVAILABLE });
  t.throws(() => h.batcher.add('z'), { code: ErrorCode.BACKEND_UNAVAILABLE }, 'no more input after a failure');
  await t.rejects(h.batcher.flush(), { code: ErrorCode.BACKEND_UNAVAILABLE });
  t.equal(clock.countTimers(), 0);
});

t.test('batcher: giving up names everything lost with it, not only the batch of the last attempt', async (t) => {
  // Regression: "gave up on a batch of 10" while far more accepted elements were lost.
  const clock = installClock(t);
  const h = harness({ maxInFlight: 2 }, Array.from({ length: 8 }, reset));
  for (const x of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) h.batcher.add(x);
  t.equal(h.batcher.undelivered, 8, 'two batches in flight and two items in the open one');
  await clock.tickAsync(100 + 200 + 400);
  const failure = h.failures[0] as MetrixError;
  t.match(
    failure.message,
    /gave up on a batch of 3 after 3 retries: read ECONNRESET; 8 accepted elements were not delivered \(that batch and 5 more in the other batches held\)/,
  );
  t.equal(h.batcher.undelivered, 8, 'and it keeps saying so after the failure');
  t.equal(clock.countTimers(), 0);
});

t.test('batcher: undelivered counts accepted items only, and what destroy() lost', async (t) => {
  installClock(t);
  const h = harness({}, [new Promise<void>(() => {})]);
  for (const x of ['a', 'b', 'c', 'd', 'e']) h.batcher.add(x);
  const waiting = h.batcher.add('f');
  t.type(waiting, Promise, 'f waits for a slot');
  (waiting as Promise<void>).catch(() => {});
  t.equal(h.batcher.undelivered, 5, 'a b c in flight, d e open; f is not accepted yet');
  h.batcher.destroy();
  t.equal(h.batcher.undelivered, 5, 'lost with destroy()');
});

t.test('batcher: maxRetries 0 fails on the first error', async (t) => {
  installClock(t);
  const h = harness({ retry: retryPolicy({ maxRetries: 0 }, 'S') }, [reset()]);
  h.batcher.add('a');
  await t.rejects(h.batcher.flush(), { code: ErrorCode.BACKEND_UNAVAILABLE, message: /after 0 retries/ });
});

t.test('batcher: a rejection fails at once, without a retry, and rejects a waiting add()', async (t) => {
  installClock(t);
  const g = gate();
  const h = harness({ batchSize: 1 }, [g.promise]);
  h.batcher.add('a');
  const waiting = h.batcher.add('b') as Promise<void>;
  t.type(waiting, Promise);
  g.fail(rejected());
  await t.rejects(waiting, { code: ErrorCode.BACKEND_REJECTED, message: /400 Bad Request: bad line/ });
  t.same(h.attempts, [['a']], 'the rejected batch was sent once, b never');
  t.equal(h.failures.length, 1);
  t.equal(h.retries.length, 0);
  await t.rejects(h.batcher.flush(), { code: ErrorCode.BACKEND_REJECTED });
});

t.test("batcher: onRejected 'drop' drops the batch, reports it and goes on", async (t) => {
  installClock(t);
  const h = harness({ onRejected: 'drop', batchSize: 2 }, ['ok', rejected()]);
  for (const x of ['a', 'b', 'c', 'd', 'e']) await h.batcher.add(x);
  await h.batcher.flush();
  t.same(h.acked, ['a', 'b', 'e']);
  t.equal(h.dropped.length, 1);
  t.equal(h.dropped[0]?.[1], 2);
  t.equal(h.dropped[0]?.[0].code, ErrorCode.BACKEND_REJECTED);
  t.equal(h.batcher.dropped, 2);
  t.equal(h.failures.length, 0);
});

t.test('batcher: destroy() during a backoff clears the timer and sends nothing more', async (t) => {
  const clock = installClock(t);
  const h = harness({}, [reset()]);
  for (const x of ['a', 'b', 'c', 'd']) h.batcher.add(x);
  await clock.tickAsync(0);
  t.equal(clock.countTimers(), 2, 'backoff timer and the flush timer of d');
  h.batcher.destroy();
  t.equal(clock.countTimers(), 0);
  await clock.tickAsync(10_000);
  t.equal(h.attempts.length, 1);
  t.equal(h.failures.length, 0, 'destroy is not a failure');
});

t.test('batcher: destroy() aborts a request in flight', async (t) => {
  installClock(t);
  const h = harness({}, [new Promise<void>(() => {})]);
  for (const x of ['a', 'b', 'c']) h.batcher.add(x);
  h.batcher.destroy();
  await new Promise((r) => setImmediate(r));
  t.same(h.acked, []);
  t.equal(h.retries.length, 0, 'an aborted attempt is not retried');
});

t.test(
  'batcher: with transient failures anywhere, every item is acknowledged exactly once, in order (property)',
  async (t) => {
    const clock = installClock(t);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 1500 }), { maxLength: 60 }),
        async (n, batchSize, failures, pauses) => {
          const script: Outcome[] = failures.map((f) => (f ? reset() : 'ok'));
          const h = harness(
            { batchSize, retry: retryPolicy({ initialDelayMs: 10, maxRetries: Infinity, jitter: 0 }, 'S') },
            script,
          );
          const items = Array.from({ length: n }, (_, i) => `i${i}`);
          for (const [i, item] of items.entries()) {
            const wait = h.batcher.add(item);
            if (wait) await Promise.race([wait, clock.runAllAsync()]);
            await clock.tickAsync(pauses[i] ?? 0);
          }
          const done = h.batcher.flush();
          await clock.runAllAsync();
          await done;
          return JSON.stringify(h.acked) === JSON.stringify(items) && clock.countTimers() === 0;
        },
      ),
      { numRuns: 150 },
    );
  },
);
