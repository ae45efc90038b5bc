// Quick start: count articles per section and summarise their word counts, in batches of 4.
// Run: npx tsx examples/quickstart.ts
import { MStream, max, mean, min, sum } from '../src/index.js';

const articles = [
  { section: 'world', words: 1200 },
  { section: 'sports', words: 450 },
  { section: 'world', words: 800 },
  { section: 'arts', words: 950 },
  { section: 'sports', words: 610 },
  { section: 'world', words: 1500 },
];

const nArticles = new MStream('n_articles', { agg: sum, batchSize: 4 });
const nWords = new MStream('n_words', { agg: [min, max, mean], defaultTags: { site: 'news' }, batchSize: 4 });

for (const mstream of [nArticles, nWords]) mstream.on('data', (element) => console.log(String(element)));

for (const { section, words } of articles) {
  nArticles.send(1, { tags: { section } });
  nWords.send(words);
}

// close() flushes the last, partial batch: nothing is lost.
await Promise.all([nArticles.close(), nWords.close()]);
