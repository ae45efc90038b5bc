import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { StreamConfig } from './CliConfig.js';
import { parseNumber, parseTagList } from './parseValues.js';

/**
 * Parses a `--stream` flag: `NAME[/agg=LIST][/window=SECONDS|/batch=N][/tags=K=V,…]`, the parts
 * after the name in any order, each at most once.
 *
 * `words/agg=sum,mean/window=60/tags=env=prod` →
 * `{ name: 'words', agg: ['sum', 'mean'], windowSize: 60, defaultTags: { env: 'prod' } }`
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` naming the flag and the reason.
 */
export function parseStreamSpec(spec: string): StreamConfig {
  const fail = (why: string): never => {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `--stream ${JSON.stringify(spec)}: ${why} (expected NAME[/agg=LIST][/window=SECONDS|/batch=N][/tags=K=V,…])`,
      { input: spec },
    );
  };
  const [name = '', ...parts] = spec.split('/');
  if (name.trim() === '') fail('the metric name is empty');
  const stream: StreamConfig = { name: name.trim() };
  const seen = new Set<string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq === -1) fail(`"${part}" is not key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (seen.has(key)) fail(`"${key}" is given twice`);
    seen.add(key);
    switch (key) {
      case 'agg':
        stream.agg = value.split(',').map((s) => s.trim());
        break;
      case 'window':
        stream.windowSize = parseNumber(value, `--stream ${name} window`, { positive: true });
        break;
      case 'batch':
        stream.batchSize = parseNumber(value, `--stream ${name} batch`, { positive: true, integer: true });
        break;
      case 'tags':
        stream.defaultTags = parseTagList(value.split(','), `--stream ${name} tags`);
        break;
      default:
        fail(`unknown part "${key}"`);
    }
  }
  if (stream.windowSize !== undefined && stream.batchSize !== undefined) fail('give window or batch, not both');
  return stream;
}
