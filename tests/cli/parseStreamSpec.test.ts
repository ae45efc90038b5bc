import t from 'tap';
import { parseStreamSpec } from '../../src/cli/parseStreamSpec.js';
import { ErrorCode } from '../../src/MetrixError.js';

t.test('parseStreamSpec: a name alone', async (t) => {
  t.same(parseStreamSpec('words'), { name: 'words' });
});

t.test('parseStreamSpec: every part, in any order', async (t) => {
  t.same(parseStreamSpec('words/tags=env=prod,dc=eu/window=60/agg=sum, mean,upper=max'), {
    name: 'words',
    defaultTags: { env: 'prod', dc: 'eu' },
    windowSize: 60,
    agg: ['sum', 'mean', 'upper=max'],
  });
  t.same(parseStreamSpec('a.b/batch=10'), { name: 'a.b', batchSize: 10 });
});

t.test('parseStreamSpec: bad specs name the flag and the reason', async (t) => {
  for (const spec of [
    '',
    '/agg=sum',
    'a/sum',
    'a/window=0',
    'a/batch=2.5',
    'a/window=1/batch=2',
    'a/agg=x/agg=y',
    'a/size=3',
    'a/tags=k',
  ]) {
    t.throws(() => parseStreamSpec(spec), { code: ErrorCode.INVALID_ARGUMENT, message: /--stream/ }, spec);
  }
});
