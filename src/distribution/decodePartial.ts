import type { StateJSON } from '../aggregators/Aggregator.js';
import { keyFromTags } from '../key.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { Tags } from '../Tags.js';
import type { PartialMessage } from './PartialMessage.js';

const decoder = new TextDecoder();

/**
 * Reads a partial from a message body, checking its shape once, at the tier's boundary: `v: 1`,
 * a string source and stream, an integer seq, finite `start < end`, string tags whose key is the
 * message's `key`, and an array of state headers (each state's own fields are checked by its
 * kind's `fromJSON` when it is merged). The tags come back frozen.
 *
 * @throws `MetrixError` `ERR_METRIX_INVALID_STATE` when the body is not such a partial.
 * @example
 * ```ts
 * import { decodePartial } from 'metrix-stream/distribution';
 * const body = new TextEncoder().encode(JSON.stringify({ v: 1, source: 'a', seq: 1, stream: 's',
 *   start: 0, end: 1000, key: '', tags: {}, states: [] }));
 * decodePartial(body).stream; // 's'
 * ```
 */
export function decodePartial(body: Uint8Array): PartialMessage {
  let form: unknown;
  try {
    form = JSON.parse(decoder.decode(body));
  } catch (err) {
    throw new MetrixError(ErrorCode.INVALID_STATE, 'a partial is not JSON', { cause: err });
  }
  const fail = (why: string): never => {
    throw new MetrixError(ErrorCode.INVALID_STATE, `malformed partial: ${why}`, { input: form });
  };
  if (typeof form !== 'object' || form === null || Array.isArray(form)) fail('not an object');
  const p = form as Record<string, unknown>;
  if (p.v !== 1) fail(`v must be 1, got ${String(p.v)}`);
  if (typeof p.source !== 'string' || p.source === '') fail('source must be a non-empty string');
  if (!Number.isSafeInteger(p.seq)) fail('seq must be an integer');
  if (typeof p.stream !== 'string' || p.stream === '') fail('stream must be a non-empty string');
  const { start, end } = p;
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isFinite(start) || !(end > start)) {
    fail('start and end must be finite numbers with start < end');
  }
  if (typeof p.key !== 'string') fail('key must be a string');
  const tags = p.tags;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) fail('tags must be an object');
  for (const value of Object.values(tags as object)) if (typeof value !== 'string') fail('tag values must be strings');
  Object.freeze(tags);
  if (keyFromTags(tags as Tags) !== p.key) fail(`key ${JSON.stringify(p.key)} is not the key of its tags`);
  if (!Array.isArray(p.states) || p.states.length === 0) fail('states must be a non-empty array');
  for (const s of p.states as unknown[]) {
    if (typeof s !== 'object' || s === null || typeof (s as StateJSON).kind !== 'string') fail('a state has no kind');
  }
  return form as PartialMessage;
}
