// Writes news.ndjson beside this file: the news-articles scenario of the original library, made
// deterministic (a seeded generator, fixed timestamps) so that the shipped sample never changes.
// Each published article gives two elements: `articles` (value 1) and `words` (its word count),
// both tagged with the article's section. Run: npx tsx examples/data/generateNews.ts
import { writeFileSync } from 'node:fs';

const SECTIONS = ['politics', 'sports', 'tech', 'culture', 'economy'] as const;
/** Typical length of an article of each section, in words. */
const TYPICAL_WORDS: Record<(typeof SECTIONS)[number], number> = {
  politics: 900,
  sports: 550,
  tech: 750,
  culture: 650,
  economy: 800,
};

/** The sample's lines: `articles` published every 37 s from 2024-01-01T00:00:00Z. */
export function newsLines(articles = 300, seed = 42): string[] {
  let state = seed >>> 0;
  // A 32-bit linear congruential generator: the same lines on every machine and Node version.
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const start = Date.UTC(2024, 0, 1);
  const lines: string[] = [];
  for (let i = 0; i < articles; i++) {
    const section = SECTIONS[Math.floor(random() * SECTIONS.length)] as (typeof SECTIONS)[number];
    const words = Math.round(TYPICAL_WORDS[section] * (0.5 + random()));
    const time = start + i * 37_000;
    lines.push(JSON.stringify({ name: 'articles', value: 1, tags: { section }, time }));
    lines.push(JSON.stringify({ name: 'words', value: words, tags: { section }, time }));
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = new URL('news.ndjson', import.meta.url);
  writeFileSync(path, `${newsLines().join('\n')}\n`);
  console.log(`wrote ${path.pathname}`);
}
