import { PassThrough } from 'node:stream';
import { connect } from '@nats-io/transport-node';
import t from 'tap';
import { resolveConfig } from '../../src/cli/resolveConfig.js';
import { startMerge } from '../../src/cli/startMerge.js';
import { PartialForwarder } from '../../src/distribution/index.js';
import { count, MStream, sum } from '../../src/index.js';
import { NatsServer, natsSkipReason } from '../helpers/natsServer.js';
import { until } from '../helpers/until.js';

const skip = natsSkipReason();

t.test(
  'startMerge: merges what edges forward into the command sinks; a stop hands open windows back',
  { skip },
  async (t) => {
    const nats = await NatsServer.start();
    const nc = await connect({ servers: nats.url });
    t.teardown(async () => {
      await nc.close();
      await nats.cleanup();
    });
    // Two edges, the same stream and tags: the command's output is their sum, not two lines.
    for (const source of ['a', 'b']) {
      const f = new PartialForwarder(nc, { source });
      const ms = new MStream('hits', { agg: { count, sum }, windowSize: 1, windowTime: 'event' });
      f.attach(ms);
      ms.resume();
      ms.send(2, { tags: { host: 'x' }, time: 500 });
      ms.send(3, { tags: { host: 'x' }, time: 600 });
      await ms.close();
      await f.close();
    }
    const config = {
      ...resolveConfig({ files: [], streams: [] }),
      output: 'ndjson' as const,
      defaultAgg: ['count', 'sum'],
    };
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d) => (text += d));
    const stderr = Object.assign(new PassThrough(), { isTTY: false });
    let log = '';
    stderr.on('data', (d) => (log += d));
    const run = startMerge(config, { url: nats.url, idleMs: 100 }, { stdin: new PassThrough(), stdout, stderr });
    await until(() => text.split('\n').length >= 3, 'two aggregates on stdout', 15_000);
    run.stop();
    t.equal(await run.done, 0, log);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.same(lines.map((l) => [l.name, l.value, l.tags, l.time]).sort(), [
      ['hits.count', 4, { host: 'x' }, 1000],
      ['hits.sum', 10, { host: 'x' }, 1000],
    ]);
    t.match(log, /merging partials from nats:\/\/127\.0\.0\.1:\d+ \(partitions 0,1,2,3,4,5,6,7\)/);
    t.same(run.counts(), { in: 0, out: 2 });
  },
);

t.test('startMerge: an unreachable server fails the run (exit 1) with the reason', { skip }, async (t) => {
  const config = { ...resolveConfig({ files: [], streams: [] }), output: 'none' as const };
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  let log = '';
  stderr.on('data', (d) => (log += d));
  // Port 1 on the loopback: nothing listens, the connection is refused at once.
  const run = startMerge(
    config,
    { url: 'nats://127.0.0.1:1' },
    { stdin: new PassThrough(), stdout: new PassThrough(), stderr },
  );
  t.equal(await run.done, 1);
  t.match(log, /error: /);
});
