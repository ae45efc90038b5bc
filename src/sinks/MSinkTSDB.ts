import { describe } from '../internal/describe.js';
import type { MElement, Tags } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';

/**
 * What {@link MSinkTSDB} needs of a time-series database client.
 * @category Sinks
 */
export interface TSDBClient {
  /**
   * Sends one data point. A returned Promise (or thenable) is awaited before the next element
   * is sent; a thrown error or a rejection fails the sink.
   *
   * @param time - Milliseconds since the epoch: the aggregated element's time stamp. Clients
   * written for the original `send(name, value, tags)` can ignore it.
   */
  send(name: string, value: number, tags: Tags, time: number): unknown;
}

/**
 * Options of {@link MSinkTSDB}.
 * @category Sinks
 */
export interface MSinkTSDBOptions extends MSinkOptions {
  /**
   * The finest time resolution the client keeps, in milliseconds (default `1`). Set `1000` for a
   * client that sends whole-second time stamps (OpenTSDB telnet): a coordinator then warns about
   * streams whose windows are shorter than a second.
   */
  timeResolutionMs?: number;
}

/**
 * A sink that hands each element to a time-series database client: `client.send(name, value,
 * tags, time)`, called on the client. When `send` returns a Promise the next element waits for it
 * — a slow database slows the sink — and a rejection (or a thrown error) fails the sink with that
 * error, unchanged.
 *
 * `m.sum{host=a}=3` → `client.send('m.sum', 3, { host: 'a' }, 1700000000000)`
 *
 * @example
 * ```ts
 * import { MSinkTSDB } from 'metrix-stream';
 * const client = {
 *   async send(name: string, value: number, tags: Record<string, string>, time: number) {
 *     await fetch('http://127.0.0.1:4242/api/put', {
 *       method: 'POST',
 *       body: JSON.stringify({ metric: name, value, tags, timestamp: time }),
 *     });
 *   },
 * };
 * const sink = new MSinkTSDB(client);
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `client.send` is not a function
 * or `timeResolutionMs` is not a positive number.
 * @see {@link MSink} to write a sink of your own.
 * @category Sinks
 */
export class MSinkTSDB extends MSink {
  readonly client: TSDBClient;
  readonly #resolutionMs: number;

  constructor(client: TSDBClient, options: MSinkTSDBOptions = {}) {
    super(options);
    if (client == null || typeof (client as Partial<TSDBClient>).send !== 'function') {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `MSinkTSDB(client): client must have a send(name, value, tags) method, got ${describe(client)}`,
        { input: client },
      );
    }
    const resolution = options?.timeResolutionMs ?? 1;
    if (typeof resolution !== 'number' || !Number.isFinite(resolution) || resolution <= 0) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `MSinkTSDB({ timeResolutionMs }) must be a positive number, got ${describe(resolution)}`,
        { input: resolution },
      );
    }
    this.client = client;
    this.#resolutionMs = resolution;
  }

  override get timeResolutionMs(): number {
    return this.#resolutionMs;
  }

  protected handle(element: MElement): undefined | Promise<void> {
    const result = this.client.send(element.name, element.value, element.tags, element.time);
    if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
      return Promise.resolve(result as PromiseLike<unknown>).then(() => undefined);
    }
    return undefined;
  }
}
