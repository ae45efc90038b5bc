import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import t from 'tap';
import { startForwarding } from '../../src/cli/startForwarding.js';
import { MStream, sum } from '../../src/index.js';
import { NatsServer, natsSkipReason } from '../helpers/natsServer.js';

const skip = natsSkipReason();

t.test(
  'startForwarding: every window of an attached stream is published; close waits for the acks',
  { skip },
  async (t) => {
    const nats = await NatsServer.start();
    t.teardown(() => nats.cleanup());
    const log: string[] = [];
    const errors: Error[] = [];
    const forwarding = startForwarding(
      { url: nats.url, source: 'cli-edge' },
      (m) => log.push(m),
      (e) => errors.push(e),
    );
    const ms = new MStream('hits', { agg: sum, windowSize: 1, windowTime: 'event' });
    // Attached before the connection is made: windows closed meanwhile wait for it.
    forwarding.attach(ms);
    ms.resume();
    for (let w = 0; w < 3; w++) for (const host of ['a', 'b']) ms.send(1, { tags: { host }, time: w * 1000 });
    await ms.close();
    await forwarding.close();
    const nc = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(nc)).streams.info('METRIX_PARTIALS');
    await nc.close();
    t.equal(info.state.messages, 6, 'one partial per window and series');
    t.same(errors, []);
  },
);

t.test('startForwarding: a server that never answers is reported as a failure', { skip }, async (t) => {
  const errors: Error[] = [];
  const forwarding = startForwarding(
    { url: 'nats://127.0.0.1:1' },
    () => {},
    (e) => errors.push(e),
  );
  const ms = new MStream('hits', { agg: sum, windowSize: 1, windowTime: 'event' });
  forwarding.attach(ms);
  ms.resume();
  ms.send(1, { time: 0 });
  await ms.close();
  await t.rejects(forwarding.close(), { code: 'ERR_METRIX_BACKEND_UNAVAILABLE' });
  t.equal(errors.length, 1);
});

t.test('startForwarding: a stream of batches is refused when attached', async (t) => {
  const forwarding = startForwarding(
    { url: 'nats://127.0.0.1:1' },
    () => {},
    () => {},
  );
  t.throws(() => forwarding.attach(new MStream('hits', { agg: sum, batchSize: 10 })), {
    code: 'ERR_METRIX_INVALID_ARGUMENT',
  });
  await forwarding.close();
});
