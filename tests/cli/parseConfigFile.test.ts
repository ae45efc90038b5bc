import t from 'tap';
import { parseConfigFile } from '../../src/cli/parseConfigFile.js';
import { ErrorCode } from '../../src/MetrixError.js';

const parse = (value: unknown) => parseConfigFile(JSON.stringify(value), 'conf.json', '/base');

t.test('parseConfigFile: every key, paths resolved against the config folder', async (t) => {
  const config = parse({
    files: ['data.ndjson', '/abs.ndjson', '-'],
    format: 'statsd',
    streams: [
      { name: 'words', agg: ['sum'], windowSize: 60, defaultTags: { a: 'b' } },
      { name: 'n', agg: { total: 'sum' }, batchSize: 3 },
    ],
    defaultAgg: ['count'],
    defaultWindowSize: 5,
    defaultTags: { env: 'prod' },
    unknown: 'error',
    output: 'none',
    ndjsonOut: 'out/x.ndjson',
    influxUrl: 'http://127.0.0.1:8086',
    influxDb: 'db',
    opentsdbUrl: 'http://127.0.0.1:4242',
    graphite: '127.0.0.1:2003',
    prometheusPort: 9464,
    statsdPort: 8125,
    httpPort: 0,
    host: '127.0.0.2',
    onMalformed: 'skip',
    maxLineLength: 100,
    maxStreams: 20,
    udpBufferBytes: 65536,
    progress: true,
  });
  t.same(config, {
    files: ['/base/data.ndjson', '/abs.ndjson', '-'],
    format: 'statsd',
    streams: [
      { name: 'words', agg: ['sum'], windowSize: 60, defaultTags: { a: 'b' } },
      { name: 'n', agg: { total: 'sum' }, batchSize: 3 },
    ],
    defaultAgg: ['count'],
    defaultWindowSize: 5,
    defaultTags: { env: 'prod' },
    unknown: 'error',
    output: 'none',
    ndjsonOut: '/base/out/x.ndjson',
    influxUrl: 'http://127.0.0.1:8086',
    influxDb: 'db',
    opentsdbUrl: 'http://127.0.0.1:4242',
    graphite: '127.0.0.1:2003',
    prometheusPort: 9464,
    statsdPort: 8125,
    httpPort: 0,
    host: '127.0.0.2',
    onMalformed: 'skip',
    maxLineLength: 100,
    maxStreams: 20,
    udpBufferBytes: 65536,
    progress: true,
  });
  t.same(parse({}), {});
});

t.test('parseConfigFile: bad files are INVALID_ARGUMENT naming the file and key', async (t) => {
  const bad: [unknown, RegExp][] = [
    [[], /a JSON object/],
    [{ windowSize: 3 }, /unknown key "windowSize"/],
    [{ files: 'x' }, /"files"/],
    [{ format: 'csv' }, /"format"/],
    [{ streams: {} }, /"streams"/],
    [{ streams: [3] }, /streams\[0\] must be an object/],
    [{ streams: [{ agg: ['sum'] }] }, /streams\[0\]\.name/],
    [{ streams: [{ name: 'a', window: 3 }] }, /unknown key "window"/],
    [{ streams: [{ name: 'a', agg: [] }] }, /streams\[0\]\.agg/],
    [{ streams: [{ name: 'a', windowSize: -1 }] }, /windowSize/],
    [{ streams: [{ name: 'a', batchSize: 1.5 }] }, /batchSize/],
    [{ streams: [{ name: 'a', windowSize: 1, batchSize: 1 }] }, /not both/],
    [{ streams: [{ name: 'a', defaultTags: { k: 1 } }] }, /defaultTags/],
    [{ defaultWindowSize: 1, defaultBatchSize: 2 }, /not both/],
    [{ defaultAgg: 'sum' }, /"defaultAgg"/],
    [{ unknown: 'skip' }, /"unknown"/],
    [{ output: 'json' }, /"output"/],
    [{ statsdPort: 65536 }, /"statsdPort"/],
    [{ prometheusPort: -1 }, /"prometheusPort"/],
    [{ influxUrl: 'nope' }, /"influxUrl": influxUrl must be/],
    [{ opentsdbUrl: 3 }, /"opentsdbUrl"/],
    [{ graphite: 'x' }, /"graphite": graphite must be HOST:PORT/],
    [{ onMalformed: 'drop' }, /"onMalformed"/],
    [{ maxLineLength: 0 }, /"maxLineLength"/],
    [{ maxStreams: 0 }, /"maxStreams"/],
    [{ udpBufferBytes: 'big' }, /"udpBufferBytes"/],
    [{ progress: 'yes' }, /"progress"/],
  ];
  for (const [value, message] of bad) {
    t.throws(() => parse(value), { code: ErrorCode.INVALID_ARGUMENT, message }, JSON.stringify(value));
  }
  t.throws(() => parseConfigFile('{ nope', 'conf.json', '/'), {
    code: ErrorCode.INVALID_ARGUMENT,
    message: /conf\.json: not valid JSON/,
  });
});

t.test('parseConfigFile: windowTime, allowedLateness and maxSeries, checked', async (t) => {
  const parse = (o: object) => parseConfigFile(JSON.stringify(o), 'c.json', '/base');
  t.same(parse({ windowTime: 'event', allowedLateness: 2.5, maxSeries: 9 }), {
    windowTime: 'event',
    allowedLateness: 2.5,
    maxSeries: 9,
  });
  t.throws(() => parse({ windowTime: 'wall' }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => parse({ allowedLateness: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => parse({ maxSeries: 0 }), { code: ErrorCode.INVALID_ARGUMENT });
});
