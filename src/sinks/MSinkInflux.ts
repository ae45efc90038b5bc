import type http from 'node:http';
import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSinkNetwork, type MSinkNetworkOptions } from './MSinkNetwork.js';
import { type HttpTarget, httpPost, httpTarget } from './transport/httpPost.js';
import { influxKey, influxLine } from './transport/lineProtocols.js';
import { targetUrl } from './transport/targetUrl.js';

/**
 * Options of {@link MSinkInflux}.
 * @category Sinks
 */
export interface MSinkInfluxOptions extends MSinkNetworkOptions {
  /**
   * Base URL of the server, e.g. `http://127.0.0.1:8086`; the sink posts to `<url>/write`
   * (a path is kept as a prefix; a URL whose path already ends in `/write` is used as it is).
   */
  url: string | URL;
  /** The `db` query parameter: InfluxDB 1.x database (VictoriaMetrics adds it as a `db` label). */
  db?: string;
  /** The `rp` query parameter: InfluxDB 1.x retention policy. */
  retentionPolicy?: string;
  /** Name of the one field that carries the value (default `value`). */
  field?: string;
  /** Extra HTTP headers, e.g. `{ authorization: 'Token …' }` for InfluxDB 2's 1.x-compatible `/write`. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Sends aggregated elements to InfluxDB's line protocol over HTTP (`POST /write?precision=ms`),
 * in batches, with retries and backpressure as described in {@link MSinkNetwork}.
 *
 * Mapping: the element's name is the measurement, its tags the tag set (sorted by name), its value
 * one float field named `field` (default `value`), its time the timestamp. VictoriaMetrics stores
 * such a point as the series `<measurement>_<field>`.
 *
 * Escaping follows the line-protocol reference: `,` and space in the measurement; `,`, `=` and
 * space in tag names, tag values and the field name, each with a backslash. A backslash is
 * doubled only where a parser could read it as an escape (before a backslash, before an escaped
 * character, at the end of a name or value) and is kept single elsewhere (`C:\temp`); InfluxDB 2+
 * and VictoriaMetrics read both back exactly (InfluxDB 1.x keeps a doubled backslash doubled).
 * Control characters — the protocol cannot carry a newline — become `_`, as does a `#` that
 * would start the line (a comment). A tag whose name or value is empty is left out; when two tag
 * names become equal, the one whose original name sorts first is kept.
 *
 * Timestamp precision: **milliseconds** (truncated).
 *
 * @example
 * ```ts
 * import { once } from 'node:events';
 * import { MSinkInflux, MStream, max } from 'metrix-stream';
 * const sink = new MSinkInflux({ url: 'http://127.0.0.1:8086', db: 'metrics' });
 * const temperature = new MStream('temperature', { agg: max, windowSize: 60 });
 * temperature.pipe(sink);
 * temperature.send(21.5, { tags: { room: 'living room' } });
 * // → temperature.max,room=living\ room value=21.5 1700000060000
 * temperature.end();
 * await once(sink, 'finish');
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for a missing or invalid `url`, `db`,
 * `retentionPolicy`, `field` or another option. While streaming the sink fails with
 * `ERR_METRIX_BACKEND_REJECTED` (a 4xx, with the server's message) or
 * `ERR_METRIX_BACKEND_UNAVAILABLE` (see {@link MSinkNetwork}).
 * @see {@link MSinkOpenTSDB}, {@link MSinkGraphite}, {@link MSinkPrometheus}.
 * @category Sinks
 */
export class MSinkInflux extends MSinkNetwork {
  readonly #target: HttpTarget;
  readonly #field: string;

  constructor(options: MSinkInfluxOptions) {
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'MSinkInflux(options): options must be an object with a url', {
        input: options,
      });
    }
    const url = targetUrl(options.url, 'MSinkInflux', ['http:', 'https:']);
    const what = `MSinkInflux(${url.href})`;
    const { db, retentionPolicy, field = 'value' } = options;
    for (const [name, v] of [
      ['db', db],
      ['retentionPolicy', retentionPolicy],
    ] as const) {
      if (v !== undefined && (typeof v !== 'string' || v.length === 0)) {
        throw new MetrixError(
          ErrorCode.INVALID_ARGUMENT,
          `${what}: ${name} must be a non-empty string, got ${describe(v)}`,
          {
            input: v,
          },
        );
      }
    }
    if (typeof field !== 'string' || field.length === 0) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `${what}: field must be a non-empty string, got ${describe(field)}`,
        {
          input: field,
        },
      );
    }
    super(what, options);
    this.#target = httpTarget(url, '/write', options, this.timeoutMs, what);
    const query = this.#target.url.searchParams;
    query.set('precision', 'ms');
    if (db !== undefined) query.set('db', db);
    if (retentionPolicy !== undefined) query.set('rp', retentionPolicy);
    this.#field = influxKey(field);
  }

  protected format(element: MElement): string {
    return influxLine(element, this.#field);
  }

  protected sendBatch(lines: readonly string[], signal: AbortSignal): Promise<void> {
    return httpPost(this.#target, `${lines.join('\n')}\n`, 'text/plain; charset=utf-8', signal);
  }

  protected override closeTransport(): void {
    (this.#target.agent as http.Agent).destroy();
  }
}
