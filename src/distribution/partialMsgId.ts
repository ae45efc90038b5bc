import { createHash } from 'node:crypto';

/**
 * The JetStream message ID of a partial: a SHA-256 (base64url, 43 characters) of the source id,
 * the stream name, the window start and the series key. Deterministic, so a partial published
 * again — after a timeout whose publish did land, after a NATS restart, by a process replaying
 * the same input under the same source id — is stored once: JetStream drops a repeated ID within
 * the stream's duplicate window. Hashed because a series key may be long or hold characters a
 * header cannot.
 *
 * @example
 * ```ts
 * import { partialMsgId } from 'metrix-stream/distribution';
 * partialMsgId('edge-1', 'latency', 1_700_000_000_000, 'host:a'); // 43 characters
 * ```
 */
export function partialMsgId(source: string, stream: string, start: number, key: string): string {
  return createHash('sha256')
    .update(JSON.stringify([source, stream, start, key]))
    .digest('base64url');
}
