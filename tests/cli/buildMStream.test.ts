import t from 'tap';
import { buildAutoMStream, buildMStream } from '../../src/cli/buildMStream.js';
import { resolveConfig } from '../../src/cli/resolveConfig.js';
import { SampledCountMStream } from '../../src/cli/SampledCountMStream.js';
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
  const [timer, timerCount] = buildAutoMStream('latency', 'ms', config);
  t.same([...timer.agg.keys()], ['mean', 'upper', 'lower', 'upper_90', 'median', 'sum']);
  t.ok(timerCount instanceof SampledCountMStream, "a timer's count comes from its companion");
  t.equal(timerCount?.metric, 'latency');
  const [counter, none] = buildAutoMStream('hits', 'c', config);
  t.same([...counter.agg.keys()], ['count', 'rate']);
  t.equal(none, undefined);
  const [set] = buildAutoMStream('users', 's', config);
  t.same([...set.agg.keys()], ['count']);
  const [batched] = buildAutoMStream('hits', 'c', resolveConfig({ files: [], streams: [], defaultBatchSize: 3 }));
  t.same([...batched.agg.keys()], ['count']);
  t.equal(batched.batchSize, 3);
  const withAgg = buildAutoMStream('lat', 'ms', resolveConfig({ files: [], streams: [], defaultAgg: ['max'] }));
  t.equal(withAgg.length, 1, 'with --agg, no companion: count is the number of values');
  t.same([...withAgg[0].agg.keys()], ['max']);
  const [plain] = buildAutoMStream('words', undefined, config);
  t.same([...plain.agg.keys()], ['count', 'sum', 'mean', 'min', 'max']);
  for (const s of [timer, timerCount, counter, set, batched, withAgg[0], plain]) s?.destroy();
});
