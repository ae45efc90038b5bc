import t from 'tap';
import { parseCliArgs } from '../../src/cli/parseCliArgs.js';
import { ErrorCode } from '../../src/MetrixError.js';

function flags(argv: string[]) {
  const command = parseCliArgs(argv);
  if (command.kind !== 'run') throw new Error(`expected run, got ${command.kind}`);
  return command.flags;
}

t.test('parseCliArgs: --help and --version win over everything else', async (t) => {
  t.same(parseCliArgs(['--help']), { kind: 'help' });
  t.same(parseCliArgs(['-h', '--window', 'nope']), { kind: 'help' });
  t.same(parseCliArgs(['-v']), { kind: 'version' });
  t.same(parseCliArgs(['--version']), { kind: 'version' });
});

t.test('parseCliArgs: no arguments gives only empty lists', async (t) => {
  t.same(flags([]), { files: [], streams: [] });
});

t.test('parseCliArgs: every flag', async (t) => {
  const f = flags([
    '-c',
    'conf.json',
    '--format',
    'statsd',
    '-s',
    'a/agg=sum/batch=5',
    '--stream',
    'b',
    '-a',
    'count, p99',
    '-w',
    '2.5',
    '-t',
    'env=prod',
    '--tag',
    'dc=eu=1',
    '--unknown',
    'drop',
    '-o',
    'ndjson',
    '--ndjson-out',
    'out.ndjson',
    '--influx',
    'http://127.0.0.1:8086',
    '--influx-db',
    'metrics',
    '--opentsdb',
    'telnet://127.0.0.1:4242',
    '--graphite',
    'localhost:2003',
    '--prometheus-port',
    '9464',
    '--statsd-port',
    '0',
    '--http-port',
    '8080',
    '--host',
    '::1',
    '--skip-malformed',
    '--max-line-length',
    '4096',
    '--max-streams',
    '50',
    '--udp-buffer',
    '1048576',
    '--no-progress',
    'x.ndjson',
    '-',
  ]);
  t.same(f, {
    files: ['x.ndjson', '-'],
    streams: [{ name: 'a', agg: ['sum'], batchSize: 5 }, { name: 'b' }],
    configPath: 'conf.json',
    format: 'statsd',
    defaultAgg: ['count', 'p99'],
    defaultWindowSize: 2.5,
    defaultTags: { env: 'prod', dc: 'eu=1' },
    unknown: 'drop',
    output: 'ndjson',
    ndjsonOut: 'out.ndjson',
    influxUrl: 'http://127.0.0.1:8086',
    influxDb: 'metrics',
    opentsdbUrl: 'telnet://127.0.0.1:4242',
    graphite: 'localhost:2003',
    prometheusPort: 9464,
    statsdPort: 0,
    httpPort: 8080,
    host: '::1',
    onMalformed: 'skip',
    maxLineLength: 4096,
    maxStreams: 50,
    udpBufferBytes: 1048576,
    progress: false,
  });
  t.equal(flags(['--batch', '100']).defaultBatchSize, 100);
  t.equal(flags(['--progress']).progress, true);
});

t.test('parseCliArgs: usage errors are INVALID_ARGUMENT naming the flag', async (t) => {
  const bad: [string[], RegExp][] = [
    [['--bogus'], /--bogus/],
    [['--window'], /--window/],
    [['--window', '0'], /--window/],
    [['--window', '1e999'], /--window/],
    [['--window', '0x10'], /--window/],
    [['--batch', '1.5'], /--batch/],
    [['--window', '1', '--batch', '2'], /not both/],
    [['--format', 'csv'], /--format/],
    [['--unknown', 'ignore'], /--unknown/],
    [['--output', 'json'], /--output/],
    [['--statsd-port', '70000'], /--statsd-port/],
    [['--http-port', '-1'], /--http-port/],
    [['--tag', 'novalue'], /--tag/],
    [['--tag', '=v'], /--tag/],
    [['--max-line-length', '0'], /--max-line-length/],
    [['--max-streams', '0'], /--max-streams/],
    [['--max-series', '-1'], /--max-series/],
    [['--allowed-lateness', '5'], /--allowed-lateness goes with --event-time/],
    [['--event-time', '--allowed-lateness', '-1'], /--allowed-lateness/],
    [['--udp-buffer', '1.5'], /--udp-buffer/],
    [['--progress', '--no-progress'], /not both/],
    [['--stream', '/agg=sum'], /--stream/],
    [['--influx', 'localhost:8086'], /--influx must be a http:\/\/ or https:\/\/ URL/],
    [['--opentsdb', 'ftp://x'], /--opentsdb/],
    [['--graphite', 'localhost'], /--graphite must be HOST:PORT/],
    [['--graphite', 'localhost:0'], /--graphite port/],
    [['--prometheus-port', 'x'], /--prometheus-port/],
  ];
  for (const [argv, message] of bad) {
    t.throws(() => parseCliArgs(argv), { code: ErrorCode.INVALID_ARGUMENT, message }, argv.join(' '));
  }
});

t.test('parseCliArgs: --event-time, --allowed-lateness and --max-series', async (t) => {
  const cmd = parseCliArgs(['--event-time', '--allowed-lateness', '30', '--max-series', '500']);
  t.equal(cmd.kind, 'run');
  const f = (cmd as { flags: Record<string, unknown> }).flags;
  t.equal(f.windowTime, 'event');
  t.equal(f.allowedLateness, 30);
  t.equal(f.maxSeries, 500);
});
