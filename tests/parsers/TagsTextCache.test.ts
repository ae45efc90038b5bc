import t from 'tap';
import { TagsTextCache } from '../../src/parsers/TagsTextCache.js';

t.test('TagsTextCache: remembers tags by text, and starts over past 1024 texts', async (t) => {
  const cache = new TagsTextCache();
  const tags = Object.freeze({ k: 'v' });
  t.equal(cache.set('#k:v', tags), tags);
  t.equal(cache.get('#k:v'), tags);
  t.equal(cache.get('#k:w'), undefined);
  for (let i = 0; i < 1024; i++) cache.set(`t${i}`, tags);
  t.equal(cache.get('#k:v'), undefined, 'emptied when full: memory stays bounded');
  t.equal(cache.get('t1023'), tags);
});
