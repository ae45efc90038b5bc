import { describe } from '../../internal/describe.js';
import { ErrorCode, MetrixError } from '../../MetrixError.js';

/**
 * Parses a sink's `url` option and checks its scheme.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` naming the option and the reason.
 */
export function targetUrl(url: unknown, what: string, schemes: readonly string[]): URL {
  if (typeof url !== 'string' && !(url instanceof URL)) {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}: url must be a string or a URL, got ${describe(url)}`, {
      input: url,
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}: url ${describe(String(url))} is not a valid URL`, {
      input: url,
    });
  }
  if (!schemes.includes(parsed.protocol)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: url must start with ${schemes.map((s) => `${s}//`).join(' or ')}, got ${describe(String(url))}`,
      { input: url },
    );
  }
  return parsed;
}

/**
 * Validates a TCP port (0-65535 integer).
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT`.
 */
export function tcpPort(port: unknown, what: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${what} must be an integer from 0 to 65535, got ${describe(port)}`,
      {
        input: port,
      },
    );
  }
  return port;
}

/**
 * Validates extra HTTP headers: a flat object of strings.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT`.
 */
export function httpHeaders(headers: unknown, what: string): Readonly<Record<string, string>> {
  if (headers === undefined) return {};
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}: headers must be an object of strings`, {
      input: headers,
    });
  }
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v !== 'string') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, `${what}: header ${k} must be a string, got ${describe(v)}`, {
        input: headers,
      });
    }
  }
  return { ...(headers as Record<string, string>) };
}
