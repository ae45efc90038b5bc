import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import t from 'tap';
import { PartialForwarder } from '../../src/distribution/index.js';
import { ErrorCode, type MetricWindow, MStream, sum } from '../../src/index.js';
import { NatsServer, natsSkipReason } from '../helpers/natsServer.js';

const skip = natsSkipReason();

/** The windows an event-time MStream closes for `series` series over `windows` windows. */
async function windowsOf(series: number, windows: number, onWindow: (w: MetricWindow) => void): Promise<void> {
  const ms = new MStream('hits', { agg: sum, windowSize: 1, windowTime: 'event' });
  ms.on('window', onWindow);
  ms.resume();
  for (let w = 0; w < windows; w++) for (let i = 0; i < series; i++) ms.send(1, { tags: { i }, time: w * 1000 + i });
  await ms.close();
}

async function stored(nc: NatsConnection, streamName: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(streamName)).state.messages;
}

if (skip) {
  t.test('PartialForwarder', { skip }, () => {});
} else {
  const nats = await NatsServer.start();
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
  t.teardown(async () => {
    await nc.close();
    await nats.cleanup();
  });

  t.test(
    'one message per (window, series); the same windows again under the same source are stored once',
    async (t) => {
      const f = new PartialForwarder(nc, { source: 'a', streamName: 'F1', subjectPrefix: 'f1' });
      await windowsOf(5, 3, (w) => f.add('hits', w));
      await f.flushed();
      t.equal(await stored(nc, 'F1'), 15);
      const replay = new PartialForwarder(nc, { source: 'a', streamName: 'F1', subjectPrefix: 'f1' });
      await windowsOf(5, 3, (w) => replay.add('hits', w));
      await replay.close();
      t.equal(await stored(nc, 'F1'), 15, 'nothing stored twice');
      t.match(replay.stats(), { published: 0, duplicates: 15 });
      const other = new PartialForwarder(nc, { source: 'b', streamName: 'F1', subjectPrefix: 'f1' });
      await windowsOf(5, 3, (w) => other.add('hits', w));
      await other.close();
      t.equal(await stored(nc, 'F1'), 30, 'another source is other data');
      await f.close();
    },
  );

  t.test(
    'PartialForwarder: the message IDs outlive a NATS restart (file storage): a re-publish is still stored once',
    async (t) => {
      const f = new PartialForwarder(nc, { source: 'a', streamName: 'F5', subjectPrefix: 'f5' });
      await windowsOf(4, 2, (w) => f.add('hits', w));
      await f.close();
      await nats.stop();
      await nats.restart();
      const again = new PartialForwarder(nc, { source: 'a', streamName: 'F5', subjectPrefix: 'f5', retryDelayMs: 20 });
      again.on('retry', () => {}); // the client may still be reconnecting: tried again, counted below
      await windowsOf(4, 2, (w) => again.add('hits', w));
      await again.close();
      t.match(again.stats(), { published: 0, duplicates: 8 });
      t.equal(await stored(nc, 'F5'), 8);
    },
  );

  t.test(
    'PartialForwarder: given a connection still coming, windows wait for it; a failed one fails the forwarder',
    async (t) => {
      let connected: (c: NatsConnection) => void = () => {};
      const f = new PartialForwarder(
        new Promise<NatsConnection>((resolve) => {
          connected = resolve;
        }),
        { source: 'a', streamName: 'F6', subjectPrefix: 'f6' },
      );
      await windowsOf(3, 1, (w) => f.add('hits', w));
      t.match(f.stats(), { queued: 3, published: 0 });
      connected(nc);
      await f.close();
      t.equal(await stored(nc, 'F6'), 3);

      const broken = new PartialForwarder(Promise.reject(new Error('no server')), { source: 'a' });
      const failed = new Promise((resolve) => broken.once('error', resolve));
      await windowsOf(1, 1, (w) => broken.add('hits', w));
      t.match(await failed, { code: ErrorCode.BACKEND_UNAVAILABLE, cause: { message: 'no server' } });
      await t.rejects(broken.flushed(), { code: ErrorCode.BACKEND_UNAVAILABLE });
    },
  );

  t.test('PartialForwarder: add() returns false at highWaterMark and drain follows', async (t) => {
    const f = new PartialForwarder(nc, { source: 'a', streamName: 'F2', subjectPrefix: 'f2', highWaterMark: 4 });
    const answers: boolean[] = [];
    await windowsOf(5, 2, (w) => answers.push(f.add('hits', w)));
    t.same(answers, [false, false]);
    const drained = new Promise<void>((resolve) => f.once('drain', resolve));
    await drained;
    await f.close();
    t.equal(f.stats().published, 10);
  });

  t.test('PartialForwarder: invalid use: no source, count batches, add after close', async (t) => {
    t.throws(() => new PartialForwarder(nc, { source: '' }), { code: ErrorCode.INVALID_ARGUMENT });
    t.throws(() => new PartialForwarder(nc, { source: 'a', partitions: 0 }), { code: ErrorCode.INVALID_ARGUMENT });
    t.throws(() => new PartialForwarder(nc, { source: 'a', subjectPrefix: 'a.>' }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
    const f = new PartialForwarder(nc, { source: 'a', streamName: 'F3', subjectPrefix: 'f3' });
    t.throws(() => f.attach(new MStream('hits', { agg: sum, batchSize: 1 })), { code: ErrorCode.INVALID_ARGUMENT });
    const batches = new MStream('hits', { agg: sum, batchSize: 1 });
    let thrown: unknown;
    batches.on('window', (w) => {
      try {
        f.add('hits', w);
      } catch (err) {
        thrown = err;
      }
    });
    batches.resume();
    batches.send(1);
    await batches.close();
    t.match(thrown, { code: ErrorCode.INVALID_ARGUMENT });
    await f.close();
    await windowsOf(1, 1, (w) => t.throws(() => f.add('hits', w), { code: ErrorCode.CLOSED }));
  });

  t.test(
    'PartialForwarder: NATS down: publishes are retried and reported; close({ timeoutMs }) gives up with the count',
    async (t) => {
      const f = new PartialForwarder(nc, {
        source: 'a',
        streamName: 'F4',
        subjectPrefix: 'f4',
        publishTimeoutMs: 200,
        retryDelayMs: 20,
      });
      await windowsOf(1, 1, (w) => f.add('hits', w));
      await f.flushed();
      await nats.stop();
      const retries: unknown[] = [];
      f.on('retry', (err) => retries.push(err));
      await windowsOf(3, 1, (w) => f.add('hits', w));
      await t.rejects(f.close({ timeoutMs: 600 }), { code: ErrorCode.CLOSE_TIMEOUT, input: 3 });
      t.ok(retries.length > 0, 'each failed publish reported');
      t.match(retries[0], { code: ErrorCode.BACKEND_UNAVAILABLE });
      await nats.restart();
    },
  );
}
