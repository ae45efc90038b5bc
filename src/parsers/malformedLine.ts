import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { MalformedLineInput } from './LineParser.js';

/**
 * The error of a malformed line: `<what>: line <n>: <reason>`, code `ERR_METRIX_MALFORMED_LINE`,
 * the thrown error as `cause`, `{ line, text }` as `input`.
 */
export function malformedLine(what: string, number: number, text: string, cause: unknown): MetrixError {
  // Bounded: the reason may quote the client's text (a tag name, say) and the message is printed
  // and sent back in HTTP answers, while a line may be 1 MiB long.
  const reason = cut(cause instanceof Error ? cause.message : String(cause), 300);
  return new MetrixError(ErrorCode.MALFORMED_LINE, `${what}: line ${number}: ${reason}`, {
    cause,
    input: { line: number, text: cut(text) } satisfies MalformedLineInput,
  });
}

/** The error of a line longer than `maxLineLength`: code `ERR_METRIX_LINE_TOO_LONG`. */
export function lineTooLong(what: string, maxLineLength: number, number: number, head: Buffer): MetrixError {
  return new MetrixError(
    ErrorCode.LINE_TOO_LONG,
    `${what}: line ${number} is longer than maxLineLength (${maxLineLength} bytes)`,
    { input: { line: number, text: cut(head.toString('utf8', 0, Math.min(head.length, 200))) } },
  );
}

/** At most `max` characters of a text (200 by default: a line, for an error's `input`). */
function cut(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
