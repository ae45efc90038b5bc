import { describe } from '../internal/describe.js';
import { normalizeTags } from '../internal/tags.js';
import type { Tags } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { LineFormat } from './LineFormat.js';
import type { ParsedElement } from './ParsedElement.js';
import { TagsTextCache } from './TagsTextCache.js';
import { validTime } from './validTime.js';

/** The NDJSON line format: one element per line, always. */
export interface NDJSONFormat extends LineFormat<ParsedElement> {
  /** Parses one non-blank line into its element; throws for a malformed line. */
  parse(text: string): ParsedElement;
}

/**
 * The NDJSON line format of {@link parseNDJSON}: one JSON object
 * `{ "name": string, "value": number, "tags"?: object, "time"?: number }` per line, checked once
 * here (the command trusts it after that).
 *
 * Tags are normalized once per distinct raw text of the `tags` object (a bounded
 * {@link TagsTextCache}): lines of one series share one frozen tags object. A cached object is
 * used only after checking that it holds what this line's parsed `tags` hold, so a line with two
 * `tags` keys or a nested `"tags"` elsewhere cannot pick the wrong one up.
 */
export function ndjsonFormat(): NDJSONFormat {
  const cache = new TagsTextCache();
  return {
    what: 'parseNDJSON',
    parse(text: string): ParsedElement {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (err) {
        throw new SyntaxError(`invalid JSON (${(err as Error).message})`, { cause: err });
      }
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new MetrixError(ErrorCode.INVALID_ELEMENT, `expected a JSON object, got ${describe(data)}`, {
          input: data,
        });
      }
      const { name, value, tags, time } = data as Record<string, unknown>;
      if (typeof name !== 'string' || name.length === 0) {
        throw new MetrixError(ErrorCode.INVALID_NAME, `"name" must be a non-empty string, got ${describe(name)}`, {
          input: name,
        });
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new MetrixError(ErrorCode.INVALID_VALUE, `"value" must be a finite number, got ${describe(value)}`, {
          input: value,
        });
      }
      const element: ParsedElement = { name, value };
      if (tags != null) element.tags = cachedTags(cache, text, tags);
      if (time != null) element.time = validTime(time, '"time"');
      return element;
    },
  };
}

/** The frozen tags of `tags` (this line's parsed `tags`), from the cache when it has them. */
function cachedTags(cache: TagsTextCache, line: string, tags: unknown): Tags {
  const raw = rawTagsText(line);
  if (raw !== undefined) {
    const known = cache.get(raw);
    if (known !== undefined && holdsSame(known, tags)) return known;
  }
  let normalized: Tags;
  try {
    normalized = normalizeTags(tags);
  } catch (err) {
    throw new MetrixError(ErrorCode.INVALID_TAGS, `"tags": ${(err as Error).message}`, { input: tags, cause: err });
  }
  return raw === undefined ? normalized : cache.set(raw, normalized);
}

/**
 * The raw text of the first `"tags": {…}` object in a line, when it is flat (no nested object
 * or array), found without parsing: strings are skipped with their escapes.
 */
function rawTagsText(line: string): string | undefined {
  let i = line.indexOf('"tags"');
  if (i === -1) return undefined;
  i += 6;
  while (isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 0x3a /* : */) return undefined;
  i++;
  while (isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 0x7b /* { */) return undefined;
  const start = i;
  let inString = false;
  for (i++; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7d /* } */) {
      return line.slice(start, i + 1);
    } else if (c === 0x7b || c === 0x5b /* { [ */) {
      return undefined;
    }
  }
  return undefined;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Whether `parsed` (a line's `tags`) normalizes to exactly `known`. */
function holdsSame(known: Tags, parsed: unknown): boolean {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const input = parsed as Record<string, unknown>;
  let n = 0;
  for (const name in input) {
    const v = input[name];
    if (!Object.hasOwn(known, name)) return false;
    const k = known[name];
    if (typeof v === 'string' ? v !== k : !(typeof v === 'number' || typeof v === 'boolean') || String(v) !== k) {
      return false;
    }
    n++;
  }
  return n === Object.keys(known).length;
}
