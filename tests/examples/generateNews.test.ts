import { readFileSync } from 'node:fs';
import t from 'tap';
import { newsLines } from '../../examples/data/generateNews.js';

t.test('examples/data/generateNews: the shipped sample is what the generator makes', async (t) => {
  const shipped = readFileSync(new URL('../../examples/data/news.ndjson', import.meta.url), 'utf8');
  t.equal(shipped, `${newsLines().join('\n')}\n`);
  const lines = shipped.trim().split('\n');
  t.equal(lines.length, 600, '300 articles, two elements each');
  t.same(JSON.parse(lines[0] as string), {
    name: 'articles',
    value: 1,
    tags: { section: 'sports' },
    time: Date.UTC(2024, 0, 1),
  });
});
