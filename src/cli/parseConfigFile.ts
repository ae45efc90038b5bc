import { isAbsolute, resolve } from 'node:path';
import { describe } from '../internal/describe.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { CliConfig, StreamConfig } from './CliConfig.js';
import { hostPort, httpUrl } from './parseValues.js';

/** What a JSON config file may set: any field of {@link CliConfig}. */
export type CliConfigFile = Partial<CliConfig>;

const KEYS: readonly (keyof CliConfig)[] = [
  'files',
  'format',
  'streams',
  'defaultAgg',
  'defaultWindowSize',
  'defaultBatchSize',
  'defaultTags',
  'unknown',
  'output',
  'ndjsonOut',
  'influxUrl',
  'influxDb',
  'opentsdbUrl',
  'graphite',
  'prometheusPort',
  'statsdPort',
  'httpPort',
  'host',
  'onMalformed',
  'maxLineLength',
  'maxStreams',
  'maxSeries',
  'windowTime',
  'allowedLateness',
  'udpBufferBytes',
  'progress',
];
const STREAM_KEYS: readonly (keyof StreamConfig)[] = ['name', 'agg', 'windowSize', 'batchSize', 'defaultTags'];

/**
 * Parses and checks the text of a JSON config file, a pure function. The keys are those of
 * {@link CliConfig} (`streams` entries take `name`, `agg`, `windowSize` or `batchSize`,
 * `defaultTags`, as MStream does); an unknown key is an error, so that a typo cannot be ignored
 * silently. Relative paths (`files`, `ndjsonOut`) are resolved against `baseDir`, the config
 * file's folder.
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` naming the file, the key and the
 * reason — a usage error (exit code 2). Aggregation names are checked later, when the streams are
 * built.
 */
export function parseConfigFile(text: string, path: string, baseDir: string): CliConfigFile {
  const fail = (why: string): never => {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `config file ${path}: ${why}`, { input: path });
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON (${(err as Error).message})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail('expected a JSON object');
  const raw = data as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) fail(`unknown key "${key}" (known: ${KEYS.join(', ')})`);
  }
  const config: CliConfigFile = {};
  const type = (key: string, ok: boolean, what: string) => {
    if (!ok) fail(`"${key}" must be ${what}, got ${describe(raw[key])}`);
  };
  const isNumber = (v: unknown, { integer = false, min = Number.MIN_VALUE, max = Number.POSITIVE_INFINITY } = {}) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
  const isTags = (v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
  const isAgg = (v: unknown) =>
    (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) ||
    (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'));
  const path_ = (p: string) => (p === '-' || isAbsolute(p) ? p : resolve(baseDir, p));

  if ('files' in raw) {
    type(
      'files',
      Array.isArray(raw.files) && raw.files.every((f) => typeof f === 'string' && f !== ''),
      'an array of paths',
    );
    config.files = (raw.files as string[]).map(path_);
  }
  if ('format' in raw) {
    type('format', raw.format === 'ndjson' || raw.format === 'statsd', '"ndjson" or "statsd"');
    config.format = raw.format as CliConfig['format'];
  }
  if ('streams' in raw) {
    type('streams', Array.isArray(raw.streams), 'an array');
    config.streams = (raw.streams as unknown[]).map((s, i) => {
      const where = `streams[${i}]`;
      if (s === null || typeof s !== 'object' || Array.isArray(s)) return fail(`${where} must be an object`);
      const st = s as Record<string, unknown>;
      for (const key of Object.keys(st)) {
        if (!(STREAM_KEYS as readonly string[]).includes(key)) {
          fail(`${where}: unknown key "${key}" (known: ${STREAM_KEYS.join(', ')})`);
        }
      }
      if (typeof st.name !== 'string' || st.name === '') fail(`${where}.name must be a non-empty string`);
      const stream: StreamConfig = { name: st.name as string };
      if ('agg' in st) {
        if (!isAgg(st.agg)) fail(`${where}.agg must be a non-empty array of names or an object of name → name`);
        stream.agg = st.agg as StreamConfig['agg'] & {};
      }
      if ('windowSize' in st) {
        if (!isNumber(st.windowSize)) fail(`${where}.windowSize must be a positive number of seconds`);
        stream.windowSize = st.windowSize as number;
      }
      if ('batchSize' in st) {
        if (!isNumber(st.batchSize, { integer: true, min: 1 })) fail(`${where}.batchSize must be a positive integer`);
        stream.batchSize = st.batchSize as number;
      }
      if (stream.windowSize !== undefined && stream.batchSize !== undefined) {
        fail(`${where}: give windowSize or batchSize, not both`);
      }
      if ('defaultTags' in st) {
        if (!isTags(st.defaultTags)) fail(`${where}.defaultTags must be an object of strings`);
        stream.defaultTags = st.defaultTags as Record<string, string>;
      }
      return stream;
    });
  }
  if ('defaultAgg' in raw) {
    type('defaultAgg', isAgg(raw.defaultAgg), 'a non-empty array of names or an object of name → name');
    config.defaultAgg = raw.defaultAgg as CliConfig['defaultAgg'];
  }
  if ('defaultWindowSize' in raw) {
    type('defaultWindowSize', isNumber(raw.defaultWindowSize), 'a positive number of seconds');
    config.defaultWindowSize = raw.defaultWindowSize as number;
  }
  if ('defaultBatchSize' in raw) {
    type('defaultBatchSize', isNumber(raw.defaultBatchSize, { integer: true, min: 1 }), 'a positive integer');
    config.defaultBatchSize = raw.defaultBatchSize as number;
  }
  if (config.defaultWindowSize !== undefined && config.defaultBatchSize !== undefined) {
    fail('give defaultWindowSize or defaultBatchSize, not both');
  }
  if ('defaultTags' in raw) {
    type('defaultTags', isTags(raw.defaultTags), 'an object of strings');
    config.defaultTags = raw.defaultTags as Record<string, string>;
  }
  if ('unknown' in raw) {
    type('unknown', ['auto', 'drop', 'error'].includes(raw.unknown as string), '"auto", "drop" or "error"');
    config.unknown = raw.unknown as CliConfig['unknown'];
  }
  if ('output' in raw) {
    type('output', ['human', 'ndjson', 'none'].includes(raw.output as string), '"human", "ndjson" or "none"');
    config.output = raw.output as CliConfig['output'];
  }
  if ('ndjsonOut' in raw) {
    type('ndjsonOut', typeof raw.ndjsonOut === 'string' && raw.ndjsonOut !== '', 'a path');
    config.ndjsonOut = path_(raw.ndjsonOut as string);
  }
  const checked = (key: string, check: () => void) => {
    try {
      check();
    } catch (err) {
      fail(`"${key}": ${(err as Error).message}`);
    }
  };
  if ('influxUrl' in raw) {
    type('influxUrl', typeof raw.influxUrl === 'string', 'a URL');
    checked('influxUrl', () => httpUrl(raw.influxUrl as string, 'influxUrl', ['http:', 'https:']));
    config.influxUrl = raw.influxUrl as string;
  }
  if ('influxDb' in raw) {
    type('influxDb', typeof raw.influxDb === 'string' && raw.influxDb !== '', 'a database name');
    config.influxDb = raw.influxDb as string;
  }
  if ('opentsdbUrl' in raw) {
    type('opentsdbUrl', typeof raw.opentsdbUrl === 'string', 'a URL');
    checked('opentsdbUrl', () => httpUrl(raw.opentsdbUrl as string, 'opentsdbUrl', ['http:', 'https:', 'telnet:']));
    config.opentsdbUrl = raw.opentsdbUrl as string;
  }
  if ('graphite' in raw) {
    type('graphite', typeof raw.graphite === 'string', 'HOST:PORT');
    checked('graphite', () => hostPort(raw.graphite as string, 'graphite'));
    config.graphite = raw.graphite as string;
  }
  for (const key of ['statsdPort', 'httpPort', 'prometheusPort'] as const) {
    if (key in raw) {
      type(key, isNumber(raw[key], { integer: true, min: 0, max: 65535 }), 'a port number (0-65535)');
      config[key] = raw[key] as number;
    }
  }
  if ('host' in raw) {
    type('host', typeof raw.host === 'string' && raw.host !== '', 'an address');
    config.host = raw.host as string;
  }
  if ('onMalformed' in raw) {
    type('onMalformed', raw.onMalformed === 'error' || raw.onMalformed === 'skip', '"error" or "skip"');
    config.onMalformed = raw.onMalformed as CliConfig['onMalformed'];
  }
  if ('maxLineLength' in raw) {
    type('maxLineLength', isNumber(raw.maxLineLength, { integer: true, min: 1 }), 'a positive integer (bytes)');
    config.maxLineLength = raw.maxLineLength as number;
  }
  if ('windowTime' in raw) {
    type('windowTime', raw.windowTime === 'arrival' || raw.windowTime === 'event', '"arrival" or "event"');
    config.windowTime = raw.windowTime as CliConfig['windowTime'];
  }
  if ('allowedLateness' in raw) {
    type('allowedLateness', isNumber(raw.allowedLateness, { min: 0 }), 'a number of seconds ≥ 0');
    config.allowedLateness = raw.allowedLateness as number;
  }
  for (const key of ['maxStreams', 'maxSeries', 'udpBufferBytes'] as const) {
    if (key in raw) {
      type(key, isNumber(raw[key], { integer: true, min: 1 }), 'a positive integer');
      config[key] = raw[key] as number;
    }
  }
  if ('progress' in raw) {
    type('progress', typeof raw.progress === 'boolean', 'true or false');
    config.progress = raw.progress as boolean;
  }
  return config;
}
