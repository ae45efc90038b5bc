import t from 'tap';
import type { CliFlags } from '../../src/cli/parseCliArgs.js';
import { defaultAggNames, resolveConfig } from '../../src/cli/resolveConfig.js';
import { ErrorCode } from '../../src/MetrixError.js';

const none: CliFlags = { files: [], streams: [] };

t.test('resolveConfig: the defaults', async (t) => {
  const config = resolveConfig(none);
  t.same(config, {
    files: [],
    format: 'ndjson',
    streams: [],
    defaultAgg: undefined,
    defaultWindowSize: 10,
    defaultBatchSize: undefined,
    defaultTags: {},
    unknown: 'auto',
    output: 'human',
    ndjsonOut: undefined,
    influxUrl: undefined,
    influxDb: undefined,
    opentsdbUrl: undefined,
    graphite: undefined,
    prometheusPort: undefined,
    statsdPort: undefined,
    httpPort: undefined,
    host: '127.0.0.1',
    onMalformed: 'error',
    maxLineLength: undefined,
    maxStreams: undefined,
    maxSeries: 10_000,
    windowTime: 'arrival',
    allowedLateness: undefined,
    udpBufferBytes: undefined,
    progress: undefined,
  });
  t.same(defaultAggNames(config), ['count', 'sum', 'mean', 'min', 'max']);
});

t.test('resolveConfig: flags win over the file; streams and tags add up', async (t) => {
  const config = resolveConfig(
    {
      files: ['cli.ndjson'],
      streams: [{ name: 'b' }],
      output: 'ndjson',
      defaultTags: { env: 'cli' },
      defaultBatchSize: 7,
    },
    {
      files: ['/file.ndjson'],
      streams: [{ name: 'a' }],
      output: 'none',
      unknown: 'drop',
      defaultTags: { env: 'file', dc: 'eu' },
      defaultWindowSize: 60,
    },
  );
  t.same(config.files, ['cli.ndjson']);
  t.same(
    config.streams.map((s) => s.name),
    ['a', 'b'],
  );
  t.equal(config.output, 'ndjson');
  t.equal(config.unknown, 'drop');
  t.same(config.defaultTags, { env: 'cli', dc: 'eu' });
  t.equal(config.defaultBatchSize, 7);
  t.equal(config.defaultWindowSize, undefined, "--batch replaces the file's window");
  t.same(resolveConfig(none, { files: ['/f'] }).files, ['/f'], 'no files on the command line: the config file ones');
});

t.test('resolveConfig: two streams of one name are DUPLICATE_METRIC', async (t) => {
  t.throws(() => resolveConfig({ files: [], streams: [{ name: 'a' }] }, { streams: [{ name: 'a' }] }), {
    code: ErrorCode.DUPLICATE_METRIC,
  });
});
