import { setOwn } from './internal/setOwn.js';
import { ErrorCode, MetrixError } from './MetrixError.js';
import type { Tags } from './Tags.js';

// `\`, `:` and `|` are the format's syntax; escaping them (and only them) keeps the readable
// `bat:baz|foo:bar` form of the original library while making every key decode to one tag set.
const NEEDS_ESCAPE = /[\\:|]/;
const ESCAPE_ALL = /[\\:|]/g;

function escapePart(part: string): string {
  return NEEDS_ESCAPE.test(part) ? part.replace(ESCAPE_ALL, '\\$&') : part;
}

/**
 * Encodes a tag set as a string key: tags sorted by name, each written `name:value`, joined by
 * `|`, with `\`, `:` and `|` inside names and values escaped by a backslash. Equal tag sets give
 * equal keys whatever their order; different tag sets never share a key.
 *
 * `undefined`, `null` and `{}` all give `''`.
 *
 * `{ foo: 'bar', bat: 'baz' }` → `'bat:baz|foo:bar'`; `{ 'a:b': 'c|d' }` → `'a\:b:c\|d'`
 *
 * @example
 * ```ts
 * import { keyFromTags, tagsFromKey } from 'metrix-stream';
 * const key = keyFromTags({ host: 'a', region: 'eu' }); // 'host:a|region:eu'
 * tagsFromKey(key); // { host: 'a', region: 'eu' }
 * ```
 * @see {@link tagsFromKey} for the inverse.
 */
export function keyFromTags(tags: Tags | null | undefined): string {
  if (tags == null) return '';
  const names = Object.keys(tags);
  const n = names.length;
  if (n === 0) return '';
  if (n === 1) {
    const name = names[0] as string;
    return `${escapePart(name)}:${escapePart(tags[name] as string)}`;
  }
  sortNames(names);
  let key = '';
  for (let i = 0; i < n; i++) {
    const name = names[i] as string;
    if (i > 0) key += '|';
    key += `${escapePart(name)}:${escapePart(tags[name] as string)}`;
  }
  return key;
}

/**
 * Sorts distinct names in place by UTF-16 code units, as `Array.prototype.sort()` does: by
 * insertion for the few names tags usually have, where `sort()` costs ~90 ns even for two.
 */
function sortNames(names: string[]): void {
  const n = names.length;
  if (n > 8) {
    names.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const name = names[i] as string;
    let j = i - 1;
    while (j >= 0 && (names[j] as string) > name) {
      names[j + 1] = names[j] as string;
      j--;
    }
    names[j + 1] = name;
  }
}

/**
 * Decodes a key made by {@link keyFromTags} back into its tags: `tagsFromKey(keyFromTags(t))`
 * equals `t` for any tags `t` of strings. `''` gives `{}`.
 *
 * `'bat:baz|foo:bar'` → `{ bat: 'baz', foo: 'bar' }`
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_TAGS` when `key` is not a well-formed key (a
 * part without an unescaped `:`, or a dangling `\`).
 * @example
 * ```ts
 * import { tagsFromKey } from 'metrix-stream';
 * tagsFromKey('a\\:b:c\\|d'); // { 'a:b': 'c|d' }
 * ```
 * @see {@link keyFromTags}
 */
export function tagsFromKey(key: string): Tags {
  const tags: Record<string, string> = {};
  if (key === '') return Object.freeze(tags);
  let name: string | undefined;
  let part = '';
  const fail = (why: string): never => {
    throw new MetrixError(ErrorCode.INVALID_TAGS, `malformed tag key ${JSON.stringify(key)}: ${why}`, {
      input: key,
    });
  };
  for (let i = 0; i < key.length; i++) {
    const ch = key[i] as string;
    if (ch === '\\') {
      if (i + 1 >= key.length) fail('it ends with a lone "\\"');
      part += key[++i];
    } else if (ch === ':' && name === undefined) {
      name = part;
      part = '';
    } else if (ch === '|') {
      if (name === undefined) fail(`the part before character ${i} has no ":"`);
      setOwn(tags, name as string, part);
      name = undefined;
      part = '';
    } else {
      part += ch;
    }
  }
  if (name === undefined) fail('its last part has no ":"');
  setOwn(tags, name as string, part);
  return Object.freeze(tags);
}
