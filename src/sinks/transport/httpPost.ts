import http from 'node:http';
import https from 'node:https';
import { ErrorCode, MetrixError } from '../../MetrixError.js';
import { httpHeaders } from './targetUrl.js';

/** Where and how an HTTP sink posts its batches. */
export interface HttpTarget {
  /** The full request URL (path and query included). */
  url: URL;
  /** Extra request headers (authentication, say). */
  headers: Readonly<Record<string, string>>;
  /** The sink's own agent: keep-alive, at most `maxInFlight` sockets, destroyed on close. */
  agent: http.Agent;
  /** Longest silence on the socket, in ms, before the attempt counts as failed. */
  timeoutMs: number;
  /** Names the sink and its target in error messages. */
  what: string;
}

/**
 * The target of an HTTP sink: `base` with `path` appended (unless it already ends with it), the
 * validated extra headers, and an agent of its own with `maxInFlight` sockets.
 */
export function httpTarget(
  base: URL,
  path: string,
  options: { headers?: unknown; maxInFlight?: number },
  timeoutMs: number,
  what: string,
): HttpTarget {
  const url = new URL(base.href);
  if (!url.pathname.endsWith(path)) url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return {
    url,
    headers: httpHeaders(options.headers, what),
    agent: httpAgent(url, options.maxInFlight ?? 1),
    timeoutMs,
    what,
  };
}

/** Longest part of a backend's answer quoted in an error message. */
const MAX_QUOTED = 2000;

/** A keep-alive agent for `url`'s protocol. Idle sockets do not keep the process alive. */
export function httpAgent(url: URL, maxSockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/**
 * POSTs `body` and resolves on a 2xx answer.
 *
 * Rejects with a MetrixError `ERR_METRIX_BACKEND_REJECTED` quoting the status and the backend's
 * answer for a 3xx or 4xx other than 408 and 429 — answers that sending the same body again will
 * not change. Everything else (refused, reset, timeout, 408, 429, 5xx) rejects with
 * `ERR_METRIX_BACKEND_UNAVAILABLE`, which the batcher retries.
 */
export function httpPost(target: HttpTarget, body: string, contentType: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const { url, agent, timeoutMs, what } = target;
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent,
      signal,
      timeout: timeoutMs,
      headers: {
        'content-type': contentType,
        'content-length': Buffer.byteLength(body),
        ...target.headers,
      },
    });
    request.on('timeout', () => {
      request.destroy(new MetrixError(ErrorCode.BACKEND_UNAVAILABLE, `${what}: no answer within ${timeoutMs} ms`));
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < MAX_QUOTED) text += chunk;
      });
      response.on('error', reject);
      response.on('end', () => {
        if (status >= 200 && status < 300) return resolve();
        const answer = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
        const message = `${what}: the backend answered ${status} ${response.statusMessage ?? ''}: ${answer.trim()}`;
        const transient = status === 408 || status === 429 || status >= 500;
        reject(new MetrixError(transient ? ErrorCode.BACKEND_UNAVAILABLE : ErrorCode.BACKEND_REJECTED, message));
      });
    });
    request.end(body);
  });
}
