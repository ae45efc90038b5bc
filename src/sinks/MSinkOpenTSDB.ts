import type http from 'node:http';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSinkNetwork, type MSinkNetworkOptions } from './MSinkNetwork.js';
import { type HttpTarget, httpPost, httpTarget } from './transport/httpPost.js';
import { openTsdbJson, openTsdbTelnetLine } from './transport/lineProtocols.js';
import { targetUrl } from './transport/targetUrl.js';
import { type TcpTarget, tcpSend } from './transport/tcpSend.js';

/**
 * Options of {@link MSinkOpenTSDB}.
 * @category Sinks
 */
export interface MSinkOpenTSDBOptions extends MSinkNetworkOptions {
  /**
   * Where OpenTSDB listens, and how to talk to it:
   * - `http://host:4242` (or `https:`) — the HTTP API: `POST /api/put` with a JSON array,
   *   millisecond timestamps. A path is kept as a prefix (`http://proxy/tsdb` posts to
   *   `/tsdb/api/put`); a URL whose path already ends in `/api/put` is used as it is, query included.
   * - `telnet://host:4242` — `put` lines over TCP, whole-second timestamps.
   */
  url: string | URL;
  /** Extra HTTP headers, e.g. `{ authorization: 'Basic …' }` (HTTP only). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Sends aggregated elements to OpenTSDB (or anything that speaks its protocols, such as
 * VictoriaMetrics), in batches, with retries and backpressure as described in
 * {@link MSinkNetwork}.
 *
 * Mapping: the element's name is the metric, its tags the tags, its time the timestamp.
 * OpenTSDB accepts only ASCII letters and digits, `-_./` and Unicode letters in names and tags:
 * every other character becomes `_`; a tag whose name or value ends up empty is left out; when two
 * tag names become equal, the one whose original name sorts first is kept. (OpenTSDB itself also
 * requires at least one tag per point; VictoriaMetrics does not.)
 *
 * Timestamp precision: **milliseconds** over HTTP (a 13-digit integer, truncated), **seconds**
 * over telnet (truncated) — so in telnet mode two windows that end within the same second are
 * stored as one point, and {@link MSinkOpenTSDB.timeResolutionMs} is 1000 (a coordinator warns
 * when a stream's window is shorter).
 *
 * Acknowledgement: over HTTP the 2xx answer to the request (a 400 is a rejection: OpenTSDB may
 * have stored some points of that request — its own API says so); over telnet the server's
 * orderly close of a connection opened for the batch (see {@link MSinkNetwork} for what that
 * guarantees).
 *
 * @example
 * ```ts
 * import { once } from 'node:events';
 * import { MSinkOpenTSDB, MStream, mean } from 'metrix-stream';
 * const sink = new MSinkOpenTSDB({ url: 'http://127.0.0.1:4242' });
 * // or: new MSinkOpenTSDB({ url: 'telnet://127.0.0.1:4242' })
 * const latency = new MStream('latency', { agg: mean, windowSize: 10 });
 * latency.pipe(sink);
 * latency.send(12, { tags: { route: '/home' } });
 * latency.end();
 * await once(sink, 'finish'); // flushed and acknowledged
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for a missing or invalid `url` or
 * another invalid option. While streaming the sink fails with `ERR_METRIX_BACKEND_REJECTED` or
 * `ERR_METRIX_BACKEND_UNAVAILABLE` (see {@link MSinkNetwork}).
 * @see {@link MSinkGraphite}, {@link MSinkInflux}, {@link MSinkPrometheus}.
 * @category Sinks
 */
export class MSinkOpenTSDB extends MSinkNetwork {
  /** `'http'` (JSON API) or `'telnet'` (put lines), from the URL's scheme. */
  readonly protocol: 'http' | 'telnet';
  readonly #http: HttpTarget | undefined;
  readonly #tcp: TcpTarget | undefined;

  constructor(options: MSinkOpenTSDBOptions) {
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        'MSinkOpenTSDB(options): options must be an object with a url',
        {
          input: options,
        },
      );
    }
    const url = targetUrl(options.url, 'MSinkOpenTSDB', ['http:', 'https:', 'telnet:']);
    const what = `MSinkOpenTSDB(${url.href})`;
    super(what, options);
    if (url.protocol === 'telnet:') {
      this.protocol = 'telnet';
      this.#tcp = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port === '' ? 4242 : Number(url.port),
        timeoutMs: this.timeoutMs,
        what,
      };
    } else {
      this.protocol = 'http';
      this.#http = httpTarget(url, '/api/put', options, this.timeoutMs, what);
    }
  }

  /** 1000 in telnet mode (whole seconds), 1 over HTTP (milliseconds). */
  override get timeResolutionMs(): number {
    return this.protocol === 'telnet' ? 1000 : 1;
  }

  protected format(element: MElement): string {
    return this.protocol === 'telnet' ? openTsdbTelnetLine(element) : openTsdbJson(element);
  }

  protected sendBatch(lines: readonly string[], signal: AbortSignal): Promise<void> {
    if (this.#tcp !== undefined) return tcpSend(this.#tcp, `${lines.join('\n')}\n`, signal);
    return httpPost(this.#http as HttpTarget, `[${lines.join(',')}]`, 'application/json', signal);
  }

  protected override closeTransport(): void {
    (this.#http?.agent as http.Agent | undefined)?.destroy();
  }
}
