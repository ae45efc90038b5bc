/**
 * The subject a partial is published on: `<prefix>.partials.<partition>.<stream token>`. The
 * stream name is one subject token: characters other than ASCII letters, digits, `_` and `-`
 * are written `%XX` (UTF-8 bytes), so a name with dots, spaces or wildcards cannot change the
 * subject's shape. The name itself travels in the message; the subject only routes it.
 *
 * @example
 * ```ts
 * import { partialSubject } from 'metrix-stream/distribution';
 * partialSubject('metrix', 3, 'http.latency'); // 'metrix.partials.3.http%2Elatency'
 * ```
 */
export function partialSubject(prefix: string, partition: number, stream: string): string {
  return `${prefix}.partials.${partition}.${subjectToken(stream)}`;
}

/** The subject filter of one partition's partials: `<prefix>.partials.<partition>.>`. */
export function partitionFilter(prefix: string, partition: number): string {
  return `${prefix}.partials.${partition}.>`;
}

/** The subject of one partition's merge progress: `<prefix>.merged.<partition>`. */
export function mergedSubject(prefix: string, partition: number): string {
  return `${prefix}.merged.${partition}`;
}

const SAFE = /^[A-Za-z0-9_-]+$/;

function subjectToken(name: string): string {
  if (SAFE.test(name)) return name;
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
