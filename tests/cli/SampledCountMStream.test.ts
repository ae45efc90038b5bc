import t from 'tap';
import { SampledCountMStream } from '../../src/cli/SampledCountMStream.js';
import type { MElement } from '../../src/MElement.js';

t.test('SampledCountMStream: sums the weights per group and emits them as <metric>.count', async (t) => {
  const stream = new SampledCountMStream('latency', { batchSize: 3, defaultTags: { env: 'prod' } });
  t.equal(stream.name, SampledCountMStream.nameFor('latency'));
  t.not(stream.name, 'latency', 'its own name leaves room for the value stream');
  const out: MElement[] = [];
  stream.on('data', (el: MElement) => out.push(el));
  stream.send(1 / 0.5, { tags: { route: '/a' }, time: 1 });
  stream.send(1, { tags: { route: '/a' }, time: 2 });
  stream.send(1 / 0.25, { tags: { route: '/b' }, time: 3 });
  await stream.close();
  t.same(
    out.map((el) => [el.name, el.value, el.tags]),
    [
      ['latency.count', 3, { env: 'prod', route: '/a' }],
      ['latency.count', 4, { env: 'prod', route: '/b' }],
    ],
  );
});
