import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';
import { prometheusFamilyName } from './prometheusFamilyName.js';
import { formatValue, prometheusLabels, wholeMs } from './transport/lineProtocols.js';
import { tcpPort } from './transport/targetUrl.js';

/**
 * Options of {@link MSinkPrometheus}.
 * @category Sinks
 */
export interface MSinkPrometheusOptions extends MSinkOptions {
  /**
   * Port of the sink's own HTTP server (`0` picks a free one; see {@link MSinkPrometheus.ready}).
   * Leave it out to start no server and mount {@link MSinkPrometheus.handler} on yours.
   */
  port?: number;
  /** Address the server binds to (default `127.0.0.1`). */
  host?: string;
  /** Path of the exposition on the sink's server (default `/metrics`); other paths answer 404. */
  path?: string;
  /**
   * A series that received no element for this long, in ms, leaves the exposition (default
   * 300 000, five minutes). `Infinity` keeps every series.
   */
  expireAfterMs?: number;
  /**
   * Whether each sample carries its element's timestamp (default `false`: Prometheus
   * discourages them — a scraper stamps samples with the scrape's time, and marks series stale
   * when they disappear only for samples without one).
   */
  timestamps?: boolean;
  /**
   * Expose aggregates named `<stream>.count` and `<stream>.sum` as cumulative **counters**
   * (`<stream>_total`, `<stream>_sum_total`) that add up every window's value, instead of
   * gauges of each window's value (default `false`). A negative sum cannot be added to a
   * counter: it fails the sink with `ERR_METRIX_INVALID_VALUE`.
   */
  cumulative?: boolean;
  /**
   * Expose each stream's quantiles, count and sum as one Prometheus **summary** (default
   * `false`): `<stream>.p<N>` and `<stream>.median` become `<stream>{quantile="N/100"}` (the
   * latest window's), `<stream>.count` and `<stream>.sum` become the cumulative
   * `<stream>_count` and `<stream>_sum` of every window. Other aggregates stay gauges. Takes
   * precedence over `cumulative` for counts and sums.
   */
  summaries?: boolean;
  /**
   * The scraper's interval, in ms, when known. A scraper reads only each series' latest value,
   * so windows shorter than its interval lose values: with this set, the sink reports it as its
   * {@link MSinkPrometheus.timeResolutionMs} and a coordinator warns about such windows.
   */
  scrapeIntervalMs?: number;
}

/**
 * Where the sink's own server listens.
 * @category Sinks
 */
export interface MSinkPrometheusAddress {
  host: string;
  port: number;
  /** The exposition's URL, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
}

interface Family {
  type: 'gauge' | 'counter' | 'summary';
  /** The HELP line's text, escaped; from the first element name that made the family. */
  help: string;
  samples: Map<string, Sample>;
}

interface Sample {
  /** `''`, or `_sum` / `_count` for those lines of a summary. */
  suffix: string;
  labels: string;
  /** Orders a family's lines: labels, then quantiles ascending, then `_sum`, then `_count`. */
  order: string;
  value: number;
  time: number;
  /** `Date.now()` when the element arrived: expiry counts from here. */
  seenAt: number;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Serves aggregated elements in Prometheus' text exposition format for a scraper to pull: each
 * series' latest aggregated value, as a gauge (or, with `cumulative`, counts and sums as
 * counters), every family with its `# HELP` and `# TYPE` lines.
 *
 * A series is a metric name plus a label set. Names are made such that `promtool check metrics`
 * finds nothing to report (see below), label names `[a-zA-Z_][a-zA-Z0-9_]*` without a leading
 * `__`, every other character becoming `_` and a leading digit getting a `_` in front; label
 * values are kept whole, with `\`, `"` and newlines escaped. Elements whose names and tags
 * sanitise to the same series share it. For each series the sink keeps the value with the latest
 * element time (a late, older element does not replace it: a scraper would reject a sample
 * older than the one it has). A series that received nothing for `expireAfterMs` disappears.
 *
 * Names: characters outside `[a-zA-Z0-9_]` (also `:`) become `_`, camelCase becomes snake_case,
 * abbreviated units are spelled out (`latency_ms` → `latency_milliseconds`), a metric type's
 * name as a word is dropped, and a gauge ending in `_total`, `_count`, `_sum` or `_bucket` gets
 * `_per_window` (`requests.count` → `requests_count_per_window`). promtool still reports a
 * unit that is not a base unit (`milliseconds`: "use base unit seconds"): measure in seconds
 * and bytes for a clean page.
 *
 * Counters (`cumulative: true`): `requests.count` → `requests_total`, `bytes.sum` →
 * `bytes_sum_total`, each the sum of every window's value so far for its label set (late
 * elements included). An expired counter that comes back starts from 0 again, which Prometheus
 * reads as a counter reset.
 *
 * Summaries (`summaries: true`): `latency.p99`, `latency.median`, `latency.count` and
 * `latency.sum` become one summary family `latency`: `latency{quantile="0.99"}` (the latest
 * window's), `latency_sum` and `latency_count` (every window's, added up). A `quantile` tag is
 * renamed `tag_quantile`. A family name already taken by another type fails the sink with
 * `ERR_METRIX_INVALID_NAME`.
 *
 * Timestamps are off by default (Prometheus discourages them); with `timestamps: true` each
 * sample carries its element's time in **milliseconds**. What a scraper stores is one sample per
 * scrape, so windows shorter than the scrape interval lose all but the last value of each
 * interval.
 *
 * Serving: with `port` the sink runs its own server on `host:port` and answers `GET`/`HEAD` on
 * `path` (404 elsewhere, 405 for other methods). Without it, mount {@link MSinkPrometheus.handler}
 * on any route of your own `http.Server` (or framework). `end()` stops the sink's own server and
 * closes its connections, so nothing keeps the process alive; values written just before may
 * never be scraped — keep the sink open one scrape interval longer when they matter.
 *
 * @example
 * ```ts
 * import { MSinkPrometheus, MStream, mean } from 'metrix-stream';
 * const sink = new MSinkPrometheus({ port: 9464 }); // http://127.0.0.1:9464/metrics
 * const latency = new MStream('latency', { agg: mean, windowSize: 15 });
 * latency.pipe(sink);
 * latency.send(12, { tags: { route: '/home' } });
 * // # HELP latency_mean metrix-stream aggregate latency.mean
 * // # TYPE latency_mean gauge
 * // latency_mean{route="/home"} 12
 * ```
 * @example Mounted on an existing server
 * ```ts
 * import http from 'node:http';
 * import { MSinkPrometheus } from 'metrix-stream';
 * const sink = new MSinkPrometheus();
 * http.createServer((req, res) => {
 *   if (req.url === '/metrics') return sink.handler(req, res);
 *   res.end('hello');
 * }).listen(8080, '127.0.0.1');
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for an invalid option. With
 * `cumulative` or `summaries`, a negative `.sum` fails the sink with `ERR_METRIX_INVALID_VALUE`. A server that
 * cannot listen (port in use) fails the sink with the server's error (`'error'`), and
 * {@link MSinkPrometheus.ready} rejects with it.
 * @see {@link MSinkOpenTSDB}, {@link MSinkGraphite}, {@link MSinkInflux} for the push protocols;
 * {@link MSinkPromClient} and {@link MSinkOpenTelemetry} to join a registry or meter you have.
 * @category Sinks
 */
export class MSinkPrometheus extends MSink {
  readonly #families = new Map<string, Family>();
  readonly #expireAfterMs: number;
  readonly #timestamps: boolean;
  readonly #cumulative: boolean;
  readonly #summaries: boolean;
  readonly #scrapeIntervalMs: number | undefined;
  readonly #path: string;
  readonly #server: http.Server | undefined;
  #lastSweep = Date.now();
  #listening: Promise<MSinkPrometheusAddress> | undefined;

  constructor(options: MSinkPrometheusOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'MSinkPrometheus(options): options must be an object', {
        input: options,
      });
    }
    const {
      port,
      host = '127.0.0.1',
      path = '/metrics',
      expireAfterMs = 300_000,
      timestamps = false,
      cumulative = false,
      summaries = false,
      scrapeIntervalMs,
    } = options;
    if (port !== undefined) tcpPort(port, 'MSinkPrometheus: port');
    if (typeof host !== 'string' || host.length === 0) {
      throw invalid(`host must be a non-empty string, got ${describe(host)}`, host);
    }
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw invalid(`path must be a string starting with "/", got ${describe(path)}`, path);
    }
    if (typeof expireAfterMs !== 'number' || Number.isNaN(expireAfterMs) || expireAfterMs <= 0) {
      throw invalid(
        `expireAfterMs must be a positive number or Infinity, got ${describe(expireAfterMs)}`,
        expireAfterMs,
      );
    }
    if (typeof timestamps !== 'boolean')
      throw invalid(`timestamps must be a boolean, got ${describe(timestamps)}`, timestamps);
    if (typeof cumulative !== 'boolean')
      throw invalid(`cumulative must be a boolean, got ${describe(cumulative)}`, cumulative);
    if (typeof summaries !== 'boolean')
      throw invalid(`summaries must be a boolean, got ${describe(summaries)}`, summaries);
    if (
      scrapeIntervalMs !== undefined &&
      (typeof scrapeIntervalMs !== 'number' || !Number.isFinite(scrapeIntervalMs) || scrapeIntervalMs <= 0)
    ) {
      throw invalid(
        `scrapeIntervalMs must be a positive finite number, got ${describe(scrapeIntervalMs)}`,
        scrapeIntervalMs,
      );
    }
    super(options);
    this.#expireAfterMs = expireAfterMs;
    this.#timestamps = timestamps;
    this.#cumulative = cumulative;
    this.#summaries = summaries;
    this.#scrapeIntervalMs = scrapeIntervalMs;
    this.#path = path;
    if (port !== undefined) {
      const server = http.createServer((req, res) => {
        if ((req.url ?? '/').split('?')[0] !== this.#path) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
          return;
        }
        this.handler(req, res);
      });
      this.#server = server;
      this.#listening = new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const h = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ host: address.address, port: address.port, url: `http://${h}:${address.port}${this.#path}` });
        });
      });
      // A listen failure fails the sink; ready() reports it too, and this catch keeps it from
      // being an unhandled rejection when nobody calls ready().
      this.#listening.catch((err: Error) => this.destroy(err));
    }
  }

  /** The scrape interval when `scrapeIntervalMs` was given, else 1 (millisecond timestamps). */
  override get timeResolutionMs(): number {
    return this.#scrapeIntervalMs ?? 1;
  }

  /** Number of series currently exposed (expired ones included until the next scrape or write). */
  get seriesCount(): number {
    let n = 0;
    for (const family of this.#families.values()) n += family.samples.size;
    return n;
  }

  /**
   * Resolves with the address of the sink's own server once it listens; rejects with the
   * server's error when it cannot, or with `ERR_METRIX_INVALID_ARGUMENT` when the sink was made
   * without `port`.
   */
  ready(): Promise<MSinkPrometheusAddress> {
    if (this.#listening === undefined) {
      return Promise.reject(invalid('ready(): this sink has no server of its own (no port option)', undefined));
    }
    return this.#listening;
  }

  /**
   * The exposition: `# HELP <name> …` and `# TYPE <name> gauge` (or `counter`), then one line per
   * series of that name, for every name, sorted by name and then by labels. Expired series are
   * removed first. `''` when empty.
   */
  exposition(): string {
    this.#sweep(Date.now());
    const names = [...this.#families.keys()].sort();
    let out = '';
    for (const name of names) {
      const family = this.#families.get(name) as Family;
      out += `# HELP ${name} ${family.help}\n# TYPE ${name} ${family.type}\n`;
      const samples = [...family.samples.values()].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
      for (const s of samples) {
        out += `${name}${s.suffix}${s.labels} ${formatValue(s.value)}${this.#timestamps ? ` ${wholeMs(s.time)}` : ''}\n`;
      }
    }
    return out;
  }

  /**
   * A request listener that answers with the exposition (`GET` and `HEAD`; 405 otherwise),
   * whatever the request's path: mount it where you like. Bound to the sink, so it can be passed
   * around as it is.
   */
  readonly handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const body = this.exposition();
    res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  protected handle(element: MElement): void {
    const now = Date.now();
    const { type, name, suffix, quantile, adds } = this.#placement(element.name);
    let family = this.#families.get(name);
    if (family === undefined) {
      const help =
        type === 'counter'
          ? `metrix-stream: the total of ${element.name} over every window`
          : type === 'summary'
            ? `metrix-stream: quantiles of the latest window, count and sum of every window, of ${element.name.slice(0, element.name.lastIndexOf('.'))}`
            : `metrix-stream aggregate ${element.name}`;
      family = { type, help: helpText(help), samples: new Map() };
      this.#families.set(name, family);
    } else if (family.type !== type) {
      throw new MetrixError(
        ErrorCode.INVALID_NAME,
        `MSinkPrometheus: ${element.name} would be a ${type} named ${name}, which is already a ${family.type}`,
        { input: element },
      );
    }
    const tagLabels = prometheusLabels(quantile === undefined ? element.tags : clearOfQuantile(element.tags));
    const labels =
      quantile === undefined
        ? tagLabels
        : `${tagLabels === '' ? '{' : `${tagLabels.slice(0, -1)},`}quantile="${quantile}"}`;
    const key = suffix + labels;
    const current = family.samples.get(key);
    if (adds && element.value < 0) {
      throw new MetrixError(
        ErrorCode.INVALID_VALUE,
        `MSinkPrometheus: the cumulative ${name}${suffix} cannot decrease, got ${element.name} = ${element.value}`,
        { input: element },
      );
    }
    if (current === undefined) {
      // Within a label set: quantiles (ascending), then _sum, then _count, as client libraries write them.
      const rank = suffix === '_sum' ? '2' : suffix === '_count' ? '3' : `1${(quantile ?? 0).toFixed(12)}`;
      const order = `${tagLabels}\u0000${rank}`;
      family.samples.set(key, { suffix, labels, order, value: element.value, time: element.time, seenAt: now });
    } else if (adds) {
      current.value += element.value;
      current.time = Math.max(current.time, element.time);
      current.seenAt = now;
    } else if (element.time >= current.time) {
      current.value = element.value;
      current.time = element.time;
      current.seenAt = now;
    }
    // Without scrapes, expired series would pile up: sweep now and then on the write path too.
    if (now - this.#lastSweep >= Math.min(this.#expireAfterMs, 60_000)) this.#sweep(now);
  }

  /** Where an element goes: its family, type, line suffix, quantile, and whether it adds up. */
  #placement(elementName: string): {
    type: Family['type'];
    name: string;
    suffix: string;
    quantile: number | undefined;
    adds: boolean;
  } {
    const m = /^(.+)\.(count|sum|median|p(\d+(?:\.\d+)?))$/.exec(elementName);
    const [, base = '', agg = '', p] = m ?? [];
    if (m !== null && this.#summaries) {
      const name = prometheusFamilyName(base, 'gauge');
      if (agg === 'count' || agg === 'sum')
        return { type: 'summary', name, suffix: `_${agg}`, quantile: undefined, adds: true };
      const quantile = agg === 'median' ? 0.5 : Number((Number(p) / 100).toPrecision(12));
      if (quantile <= 1) return { type: 'summary', name, suffix: '', quantile, adds: false };
    }
    if (this.#cumulative && (agg === 'count' || agg === 'sum')) {
      // `x.count` counts events: its counter is `x_total`; `x.sum` keeps its word: `x_sum_total`.
      const name = prometheusFamilyName(agg === 'count' ? base : elementName, 'counter');
      return { type: 'counter', name, suffix: '', quantile: undefined, adds: true };
    }
    return {
      type: 'gauge',
      name: prometheusFamilyName(elementName, 'gauge'),
      suffix: '',
      quantile: undefined,
      adds: false,
    };
  }

  protected override finalize(): Promise<void> {
    return this.#stopServer();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    void this.#stopServer().then(() => callback(error));
  }

  async #stopServer(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    // Stopping may be asked for before listen() completed: wait for it, or the server would
    // start listening after the sink ended and keep the process alive.
    try {
      await this.#listening;
    } catch {
      return;
    }
    if (!server.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Scrapers keep connections alive; close() alone would wait for them to go idle.
      server.closeAllConnections();
    });
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    if (this.#expireAfterMs === Number.POSITIVE_INFINITY) return;
    for (const [name, family] of this.#families) {
      for (const [labels, sample] of family.samples) {
        if (now - sample.seenAt > this.#expireAfterMs) family.samples.delete(labels);
      }
      if (family.samples.size === 0) this.#families.delete(name);
    }
  }
}

/** Tags with a `quantile` tag renamed `tag_quantile`: a summary's own label must stay its own. */
function clearOfQuantile(tags: MElement['tags']): MElement['tags'] {
  if (!Object.hasOwn(tags, 'quantile')) return tags;
  const { quantile, ...rest } = tags;
  return { ...rest, tag_quantile: quantile as string };
}

/** HELP text escaped as the text format requires: `\` and newline. */
function helpText(s: string): string {
  return s.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_ARGUMENT, `MSinkPrometheus: ${message}`, { input });
}
