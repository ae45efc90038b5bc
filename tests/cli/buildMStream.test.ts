import t from 'tap';
import { buildAutoMStream, buildMStream } from '../../src/cli/buildMStream.js';
import { resolveConfig } from '../../src/cli/resolveConfig.js';
import { ErrorCode } from '../../src/MetrixError.js';

const config = resolveConfig({ files: [], streams: [], defaultTags: { env: 'prod', dc: 'eu' } });

t.test('buildMStream: own settings, else the defaults; tags merged', async (t) => {
  const own = buildMStream({ name: 'a', agg: ['sum', 'p90'], batchSize: 5, defaultTags: { env: 'dev' } }, config);
  t.same([...own.agg.keys()], ['sum', 'p90']);
  t.equal(own.batchSize, 5);
  t.same(own.defaultTags, { env: 'dev', dc: 'eu' });
  const dflt = buildMStream({ name: 'b' }, config);
  t.same([...dflt.agg.keys()], ['count', 'sum', 'mean', 'min', 'max']);
  t.equal(dflt.windowSize, 10);
  own.destroy();
  dflt.destroy();
});

t.test('buildMStream: an unknown aggregation is INVALID_AGG', async (t) => {
  t.throws(() => buildMStream({ name: 'a', agg: ['average'] }, config), { code: ErrorCode.INVALID_AGG });
});

t.test('buildAutoMStream: StatsD types get the daemon figures unless --agg was given', async (t) => {
  const timer = buildAutoMStream('latency', 'ms', config);
  t.same([...timer.agg.keys()], ['mean', 'upper', 'lower', 'upper_90', 'median', 'sum', 'count']);
  const counter = buildAutoMStream('hits', 'c', config);
  t.same([...counter.agg.keys()], ['count', 'rate']);
  const batched = buildAutoMStream('hits', 'c', resolveConfig({ files: [], streams: [], defaultBatchSize: 3 }));
  t.same([...batched.agg.keys()], ['count']);
  t.equal(batched.batchSize, 3);
  const withAgg = buildAutoMStream('hits', 'c', resolveConfig({ files: [], streams: [], defaultAgg: ['max'] }));
  t.same([...withAgg.agg.keys()], ['max']);
  const plain = buildAutoMStream('words', undefined, config);
  t.same([...plain.agg.keys()], ['count', 'sum', 'mean', 'min', 'max']);
  for (const s of [timer, counter, batched, withAgg, plain]) s.destroy();
});
