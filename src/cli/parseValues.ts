import { ErrorCode, MetrixError } from '../MetrixError.js';

/**
 * Parses a number given as command-line text: decimal only (no hex, no `Infinity`, no empty
 * string, which `Number()` would all accept).
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` naming `what`.
 */
export function parseNumber(
  text: string,
  what: string,
  {
    positive = false,
    integer = false,
    min,
    max,
  }: { positive?: boolean; integer?: boolean; min?: number; max?: number } = {},
): number {
  const n = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  const ok =
    Number.isFinite(n) &&
    (!positive || n > 0) &&
    (!integer || Number.isInteger(n)) &&
    (min === undefined || n >= min) &&
    (max === undefined || n <= max);
  if (!ok) {
    const kind = `${positive ? 'a positive ' : 'a '}${integer ? 'integer' : 'number'}${
      min !== undefined && max !== undefined ? ` in [${min}, ${max}]` : ''
    }`;
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what} must be ${kind}, got ${JSON.stringify(text)}`, {
      input: text,
    });
  }
  return n;
}

/**
 * Parses `K=V` items into a tag map (split at the first `=`; the value may be empty, the name not).
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` naming `what`.
 */
export function parseTagList(items: readonly string[], what: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of items) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}: expected K=V, got ${JSON.stringify(item)}`, {
        input: item,
      });
    }
    Object.defineProperty(tags, item.slice(0, eq), {
      value: item.slice(eq + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return tags;
}

/** Checks that `text` is a URL with one of the `protocols`. */
export function httpUrl(text: string, what: string, protocols: readonly string[]): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !protocols.includes(url.protocol)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${what} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL, got ${JSON.stringify(text)}`,
      { input: text },
    );
  }
  return text;
}

/** Checks that `text` is `host:port`. */
export function hostPort(text: string, what: string): string {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what} must be HOST:PORT, got ${JSON.stringify(text)}`, {
      input: text,
    });
  }
  parseNumber(text.slice(colon + 1), `${what} port`, { integer: true, min: 1, max: 65535 });
  return text;
}
