import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSinkNetwork, type MSinkNetworkOptions } from './MSinkNetwork.js';
import { graphiteLine } from './transport/lineProtocols.js';
import { tcpPort } from './transport/targetUrl.js';
import { type TcpTarget, tcpSend } from './transport/tcpSend.js';

/**
 * Options of {@link MSinkGraphite}.
 * @category Sinks
 */
export interface MSinkGraphiteOptions extends MSinkNetworkOptions {
  /** Host of Graphite's plaintext listener (carbon), default `127.0.0.1`. */
  host?: string;
  /** Its TCP port, default 2003. */
  port?: number;
}

/**
 * Sends aggregated elements to Graphite's plaintext protocol over TCP, with tags
 * (`name;k=v;k2=v2 value seconds`), in batches, with retries and backpressure as described in
 * {@link MSinkNetwork}. Each batch goes over its own connection: the client half-closes after
 * the last line and the server's orderly close acknowledges the batch (Graphite has no answers);
 * a batch whose connection fails before that is sent again whole (at-least-once; a resent point
 * has the same path, timestamp and value, which Graphite's storage keeps once).
 *
 * Mapping: the element's name is the path, its tags Graphite tags, sorted by name. What the
 * format cannot carry becomes `_`: whitespace, control characters and `;` in the path and in tag
 * values, also `!^=` in tag names, and a `~` that starts a tag value. A tag whose name or value is
 * empty is left out; when two tag names become equal, the one whose original name sorts first is
 * kept.
 *
 * Timestamp precision: **whole seconds** (truncated): two windows of one series that end within
 * the same second land on one timestamp, and the last write wins. {@link MSinkGraphite.timeResolutionMs}
 * is 1000, so a coordinator warns when a stream's window is shorter than a second.
 *
 * @example
 * ```ts
 * import { once } from 'node:events';
 * import { MSinkGraphite, MStream, sum } from 'metrix-stream';
 * const sink = new MSinkGraphite({ host: '127.0.0.1', port: 2003 });
 * const requests = new MStream('requests', { agg: sum, windowSize: 10 });
 * requests.pipe(sink);
 * requests.send(1, { tags: { route: '/home' } }); // → requests.sum;route=/home 1 1700000010
 * requests.end();
 * await once(sink, 'finish'); // flushed and acknowledged
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for an invalid `host`, `port` or
 * another option. While streaming the sink fails with `ERR_METRIX_BACKEND_UNAVAILABLE` when the
 * retries run out (see {@link MSinkNetwork}); Graphite never rejects.
 * @see {@link MSinkOpenTSDB}, {@link MSinkInflux}, {@link MSinkPrometheus}.
 * @category Sinks
 */
export class MSinkGraphite extends MSinkNetwork {
  readonly #target: TcpTarget;

  constructor(options: MSinkGraphiteOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'MSinkGraphite(options): options must be an object', {
        input: options,
      });
    }
    const { host = '127.0.0.1', port = 2003 } = options;
    if (typeof host !== 'string' || host.length === 0) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `MSinkGraphite: host must be a non-empty string, got ${describe(host)}`,
        {
          input: host,
        },
      );
    }
    tcpPort(port, 'MSinkGraphite: port');
    const what = `MSinkGraphite(${host}:${port})`;
    super(what, options);
    this.#target = { host, port, timeoutMs: this.timeoutMs, what };
  }

  /** 1000: Graphite's timestamps are whole seconds. */
  override get timeResolutionMs(): number {
    return 1000;
  }

  protected format(element: MElement): string {
    return graphiteLine(element);
  }

  protected sendBatch(lines: readonly string[], signal: AbortSignal): Promise<void> {
    return tcpSend(this.#target, `${lines.join('\n')}\n`, signal);
  }
}
