import { Writable } from 'node:stream';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import t from 'tap';
import { PartialForwarder, PartialMerger, partialSubject } from '../../src/distribution/index.js';
import { ErrorCode, type MElement, type MetrixError, MStream, sum } from '../../src/index.js';
import { NatsServer, natsSkipReason } from '../helpers/natsServer.js';
import { until } from '../helpers/until.js';

const skip = natsSkipReason();

/** An edge that sends `values[w]` (one value per series i) into window w and publishes it. */
async function publish(nc: NatsConnection, dist: object, source: string, windows: number[][]) {
  const f = new PartialForwarder(nc, { ...dist, source });
  const ms = new MStream('hits', { agg: sum, windowSize: 1, windowTime: 'event' });
  f.attach(ms);
  ms.resume();
  windows.forEach((values, w) => {
    values.forEach((v, i) => {
      ms.send(v, { tags: { i }, time: w * 1000 + i });
    });
  });
  await ms.close();
  await f.close();
}

if (skip) {
  t.test('PartialMerger', { skip }, () => {});
} else {
  const nats = await NatsServer.start();
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
  t.teardown(async () => {
    await nc.close();
    await nats.cleanup();
  });

  t.test('PartialMerger: invalid options throw at construction with their codes', async (t) => {
    const sink = () => {};
    t.throws(() => new PartialMerger(nc, { streams: {}, sink }), { code: ErrorCode.INVALID_ARGUMENT });
    t.throws(() => new PartialMerger(nc, { streams: { a: [] as never }, sink }), { code: ErrorCode.INVALID_AGG });
    t.throws(() => new PartialMerger(nc, { streams: { a: sum }, sink, owned: [8] }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
    t.throws(() => new PartialMerger(nc, { streams: { a: sum }, sink, owned: [1, 1] }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
    t.throws(() => new PartialMerger(nc, { streams: { a: sum }, sink, allowedDelayMs: -1 }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
    t.throws(() => new PartialMerger(nc, { streams: { a: sum }, sink: 42 as never }), { code: ErrorCode.INVALID_SINK });
  });

  t.test('PartialMerger: close() before start() ends the sink and holds nothing', async (t) => {
    const sink = new Writable({ objectMode: true, write: (_el, _enc, cb) => cb() });
    const merger = new PartialMerger(nc, { defaultAgg: sum, sink });
    await merger.close({ flush: true });
    t.ok(sink.writableFinished, 'the sink was ended and finished');
    t.match(merger.stats(), { received: 0, open: 0 });
  });

  t.test('PartialMerger: idleMs emits what a silent partition holds', async (t) => {
    const dist = { streamName: 'M1', subjectPrefix: 'm1', partitions: 2 };
    const got: MElement[] = [];
    const merger = new PartialMerger(nc, {
      ...dist,
      streams: { hits: sum },
      sink: (el) => void got.push(el),
      idleMs: 100,
    });
    await merger.start();
    await publish(nc, dist, 'a', [[1, 2, 3]]);
    await publish(nc, dist, 'b', [[10, 20, 30]]);
    // Counted once committed, which follows the sink's taking them.
    await until(() => merger.stats().elements === 3, 'the idle window to be emitted and committed', 10_000);
    t.same(got.map((el) => [el.tags.i, el.value]).sort(), [
      ['0', 11],
      ['1', 22],
      ['2', 33],
    ]);
    t.match(merger.stats(), { applied: 6, elements: 3, open: 0 });
    await merger.close();
  });

  t.test('PartialMerger: close() without flush hands partials back; the next process emits them', async (t) => {
    const dist = { streamName: 'M2', subjectPrefix: 'm2', partitions: 1 };
    const first: MElement[] = [];
    const a = new PartialMerger(nc, { ...dist, streams: { hits: sum }, sink: (el) => void first.push(el) });
    await a.start();
    await publish(nc, dist, 'a', [[1], [2]]);
    await until(() => a.stats().applied === 2, 'both partials merged', 10_000);
    t.equal(first.length, 1, 'window 0 closed by window 1');
    await a.close();
    const second: MElement[] = [];
    const b = new PartialMerger(nc, { ...dist, streams: { hits: sum }, sink: (el) => void second.push(el) });
    await b.start();
    await b.close({ flush: true });
    t.same(
      second.map((el) => [el.time, el.value]),
      [[2000, 2]],
      'window 1 emitted by the next process, window 0 not again',
    );
    t.match(b.stats(), { applied: 1, late: 0 });
  });

  t.test('PartialMerger: defaultAgg merges streams it was not told of', async (t) => {
    const dist = { streamName: 'M4', subjectPrefix: 'm4', partitions: 2 };
    const got: MElement[] = [];
    const merger = new PartialMerger(nc, { ...dist, defaultAgg: { total: sum }, sink: (el) => void got.push(el) });
    await merger.start();
    await publish(nc, dist, 'a', [[1, 2]]);
    await publish(nc, dist, 'b', [[3, 4]]);
    await merger.close({ flush: true });
    t.same(got.map((el) => [el.name, el.tags.i, el.value]).sort(), [
      ['hits.total', '0', 4],
      ['hits.total', '1', 6],
    ]);
    t.throws(() => new PartialMerger(nc, { defaultAgg: 'nope' as never, sink: () => {} }), {
      code: ErrorCode.INVALID_AGG,
    });
  });

  t.test('PartialMerger: a partial it cannot merge is reported and terminated, not delivered again', async (t) => {
    const dist = { streamName: 'M3', subjectPrefix: 'm3', partitions: 1 };
    const invalid: MetrixError[] = [];
    const merger = new PartialMerger(nc, { ...dist, streams: { hits: sum }, sink: () => {} });
    merger.on('invalid', (err) => invalid.push(err));
    await merger.start();
    await publish(nc, dist, 'a', [[1]]);
    const js = jetstream(nc);
    await js.publish(partialSubject('m3', 0, 'hits'), 'garbage', { msgID: 'g' });
    await until(() => invalid.length === 1, 'the garbage reported', 10_000);
    t.equal(invalid[0]?.code, ErrorCode.INVALID_STATE);
    await merger.close({ flush: true });
    const again = new PartialMerger(nc, { ...dist, streams: { hits: sum }, sink: () => {} });
    again.on('invalid', (err) => invalid.push(err));
    await again.start();
    await again.close({ flush: true });
    t.equal(invalid.length, 1, 'terminated: not delivered to the next process');
  });
}
