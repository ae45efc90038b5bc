import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';
import { formatValue, sanitizeTags } from './transport/lineProtocols.js';
import { tcpPort } from './transport/targetUrl.js';

/**
 * The StatsD metric type each element is sent as.
 * @category Sinks
 */
export type StatsDSendType = 'g' | 'c' | 'ms' | 'h' | 'd';

/**
 * Options of {@link MSinkStatsD}.
 * @category Sinks
 */
export interface MSinkStatsDOptions extends MSinkOptions {
  /** The daemon's or agent's address (default `127.0.0.1`). */
  host?: string;
  /** Its UDP port (default 8125). */
  port?: number;
  /**
   * How each element is sent (default `'g'`, a gauge: right for aggregates). `'c'` (counter),
   * `'ms'` (timer), `'h'` / `'d'` (DogStatsD histogram / distribution) hand raw values to the
   * daemon for it to aggregate.
   */
  type?: StatsDSendType;
  /** `'dogstatsd'` (default) appends tags as `|#k:v,…`; `'none'` leaves them out. */
  tags?: 'dogstatsd' | 'none';
  /** Largest datagram, in bytes (default 1432, what fits an Ethernet frame); lines are packed up to it. */
  maxPacketBytes?: number;
}

// Characters a StatsD line cannot carry in a name (`:` ends it, `|` separates fields, `@` and
// `#` start a rate and tags) or in a DogStatsD tag (`,` separates tags, `:` ends its name).
const STATSD_NAME_INVALID = /[:|@#\s]/g;
const TAG_NAME_INVALID = /[:|,#\s]/g;
const TAG_VALUE_INVALID = /[|,#\s]/g;

/**
 * A sink that forwards each element to a StatsD daemon or agent (Etsy StatsD, the Datadog
 * agent, Telegraf's statsd input, …) over UDP: by default as a **gauge** of the aggregate,
 * `latency.mean:12.5|g|#route:/a`; with `type` as a counter, timer, histogram or distribution,
 * so that raw values can be handed to the daemon for it to aggregate.
 *
 * Lines are packed into datagrams of at most `maxPacketBytes`, newline-separated. A datagram
 * goes when the next line would not fit, or as soon as no further element is queued in the
 * sink, so an idle sink sends at once and a busy one sends full datagrams. Each send is awaited
 * (the backpressure); UDP gives no acknowledgement, so what the network or the daemon drops is
 * not known to the sink. A send error (for instance an unresolvable host) fails the sink.
 *
 * Names: `:`, `|`, `@`, `#` and whitespace become `_`. Tags (DogStatsD form, default): sorted
 * by name, `:`, `|`, `,`, `#` and whitespace in names (and all but `:` in values) become `_`, an
 * empty name or value leaves the tag out. `tags: 'none'` sends no tags: elements that differ
 * only by tags then land on one StatsD key.
 *
 * A negative gauge is sent as `name:0|g` then `name:-3|g` in one datagram: StatsD reads a signed
 * gauge value as a change to the current one, so the reset makes it absolute.
 *
 * `end()` sends what is packed and closes the socket; `destroy()` closes it at once, dropping
 * what was not sent. Nothing is left to keep the process alive.
 *
 * `new MElement('latency.mean', 12.5, { tags: { route: 'a' } })` → `latency.mean:12.5|g|#route:a`
 *
 * @example
 * ```ts
 * import { MCoordinator, MSinkStatsD, MStream, mean } from 'metrix-stream';
 * const mc = new MCoordinator({
 *   mstreams: [new MStream('latency', { agg: mean, windowSize: 10 })],
 *   msinks: [new MSinkStatsD({ port: 8125 })], // latency.mean:…|g|#route:…
 * });
 * ```
 * @example Raw values, aggregated by the daemon
 * ```ts
 * import { MSinkStatsD, MElement } from 'metrix-stream';
 * const timers = new MSinkStatsD({ type: 'ms', tags: 'none' });
 * timers.write(new MElement('db.query', 12)); // db.query:12|ms
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for an invalid option: `host`,
 * `port`, `type`, `tags`, `maxPacketBytes` (below 64 or above 65 507), or `options` not an object.
 * @see {@link parseStatsD} for the other direction.
 * @category Sinks
 */
export class MSinkStatsD extends MSink {
  readonly #host: string;
  readonly #port: number;
  readonly #suffix: string;
  readonly #dogstatsd: boolean;
  readonly #maxPacketBytes: number;
  readonly #socket: Socket;
  #packet = '';

  constructor(options: MSinkStatsDOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw invalid(`options must be an object, got ${describe(options)}`, options);
    }
    const { host = '127.0.0.1', port = 8125, type = 'g', tags = 'dogstatsd', maxPacketBytes = 1432 } = options;
    if (typeof host !== 'string' || host.length === 0) {
      throw invalid(`host must be a non-empty string, got ${describe(host)}`, host);
    }
    tcpPort(port, 'MSinkStatsD: port');
    if (port === 0) throw invalid('port must be a port number from 1 to 65535, got 0', port);
    if (!['g', 'c', 'ms', 'h', 'd'].includes(type as string)) {
      throw invalid(`type must be 'g', 'c', 'ms', 'h' or 'd', got ${describe(type)}`, type);
    }
    if (tags !== 'dogstatsd' && tags !== 'none') {
      throw invalid(`tags must be 'dogstatsd' or 'none', got ${describe(tags)}`, tags);
    }
    if (!Number.isInteger(maxPacketBytes) || maxPacketBytes < 64 || maxPacketBytes > 65_507) {
      throw invalid(
        `maxPacketBytes must be an integer from 64 to 65507, got ${describe(maxPacketBytes)}`,
        maxPacketBytes,
      );
    }
    super(options);
    this.#host = host;
    this.#port = port;
    this.#suffix = `|${type}`;
    this.#dogstatsd = tags === 'dogstatsd';
    this.#maxPacketBytes = maxPacketBytes;
    this.#socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    // An unconnected socket reports errors through send()'s callback; this catches the rest.
    this.#socket.on('error', (err) => this.destroy(err));
  }

  protected handle(element: MElement): void | Promise<void> {
    const line = this.#line(element);
    let sending: Promise<void> | undefined;
    if (this.#packet !== '' && Buffer.byteLength(this.#packet) + 1 + Buffer.byteLength(line) > this.#maxPacketBytes) {
      sending = this.#send();
    }
    this.#packet = this.#packet === '' ? line : `${this.#packet}\n${line}`;
    // The element being handled still counts in writableLength: 1 means nothing else is queued.
    if (this.writableLength <= 1) {
      const now = this.#send();
      return sending === undefined ? now : Promise.all([sending, now]).then(() => undefined);
    }
    return sending;
  }

  protected override async finalize(): Promise<void> {
    if (this.#packet !== '') await this.#send();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    try {
      this.#socket.close();
    } catch {
      // Already closed by finalize(): nothing is left to release.
    }
    callback(error);
  }

  #line(element: MElement): string {
    const name = element.name.replace(STATSD_NAME_INVALID, '_');
    let tags = '';
    if (this.#dogstatsd) {
      const pairs = sanitizeTags(
        element.tags,
        (k) => k.replace(TAG_NAME_INVALID, '_'),
        (v) => v.replace(TAG_VALUE_INVALID, '_'),
      );
      if (pairs.length > 0) tags = `|#${pairs.map(([k, v]) => `${k}:${v}`).join(',')}`;
    }
    const value = formatValue(element.value);
    // A signed gauge value is a change to the current one: reset to 0 first to make it absolute.
    if (this.#suffix === '|g' && element.value < 0) return `${name}:0|g${tags}\n${name}:${value}|g${tags}`;
    return `${name}:${value}${this.#suffix}${tags}`;
  }

  #send(): Promise<void> {
    const packet = this.#packet;
    this.#packet = '';
    return new Promise((resolve, reject) => {
      this.#socket.send(packet, this.#port, this.#host, (err) => (err ? reject(err) : resolve()));
    });
  }
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_ARGUMENT, `MSinkStatsD: ${message}`, { input });
}
