// The README is the contract's front page: it must list every error code and start with the two
// commands (set-up + main job, and the tests).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ErrorCode } from '../src/MetrixError.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('README: lists every error code', async (t) => {
  for (const code of Object.values(ErrorCode)) t.match(readme, `\`${code}\``, code);
});

t.test('README: opens with the main-job and test commands', async (t) => {
  const head = readme.split('\n').slice(0, 8).join('\n');
  t.match(head, /npm ci && npm run main/);
  t.match(head, /npm test/);
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
function githubSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link keeps its text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\s-]/gu, '')
    .replace(/ /g, '-');
}

t.test('README: every (#anchor) link matches a heading', async (t) => {
  const slugs = new Map<string, number>();
  let fence = false;
  for (const line of readme.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const heading = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    // GitHub numbers repeated headings: x, x-1, x-2, …
    const slug = githubSlug(heading[1] as string);
    const seen = slugs.get(slug) ?? 0;
    slugs.set(seen === 0 ? slug : `${slug}-${seen}`, 0);
    slugs.set(slug, seen + 1);
  }
  t.equal(githubSlug('`toSink(sink)`'), 'tosinksink', 'the slug rule');
  t.equal(githubSlug('A hung sink: stalls and deadlines'), 'a-hung-sink-stalls-and-deadlines');
  const links = [...readme.matchAll(/\]\(#([^)\s]+)\)/g)].map((m) => m[1] as string);
  t.ok(links.length > 10, `${links.length} anchor links found`);
  const broken = [...new Set(links)].filter((a) => !slugs.has(decodeURIComponent(a)));
  t.same(broken, [], 'no anchor link without its heading');
});
