import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';

/**
 * How {@link MSinkLogger} calls the logger's level method:
 * - `'pino'`: `logger[level]({ metric: { name, value, tags, time } }, message)` — pino, bunyan;
 * - `'winston'`: `logger[level](message, { metric: { name, value, tags, time } })` — winston;
 * - `'console'`: `logger[level](message)`, one string with the whole element.
 * @category Sinks
 */
export type MSinkLoggerStyle = 'pino' | 'winston' | 'console';

/**
 * Options of {@link MSinkLogger}.
 * @category Sinks
 */
export interface MSinkLoggerOptions extends MSinkOptions {
  /** Any object with level methods (`console`, a pino or winston logger). Default `console`. */
  logger?: object;
  /** Name of the method called per element. Default `'info'`. */
  level?: string;
  /**
   * Message template with exactly one `%s`, replaced by the element's `toString()` (style
   * `'console'`) or by its name (`'pino'`, `'winston'`, where the fields carry the rest).
   * Default `'%s'`.
   */
  format?: string;
  /**
   * The logger's call shape. Default: `'pino'` for a pino logger (it has `child()`, `bindings()`
   * and `levels`), `'winston'` for a winston logger (`log()`, `add()`, `configure()`), else
   * `'console'`. Give it for other loggers of the same shapes (bunyan: `'pino'`).
   */
  style?: MSinkLoggerStyle;
  /**
   * The field that holds `{ name, value, tags, time }` in the structured styles (default
   * `'metric'`): nested, because pino writes its own `time` and `name` and winston its own
   * `level` and `message` beside the fields it is given.
   */
  key?: string;
}

/**
 * A sink that logs one entry per element, called on the logger (so `this` is the logger), in
 * the logger's own call shape (`style`):
 *
 * - pino (and bunyan): `logger[level]({ metric: { name, value, tags, time } }, message)`, so the
 *   element's fields are fields of the JSON log line;
 * - winston: `logger[level](message, { metric: { name, value, tags, time } })`, the fields as
 *   winston metadata;
 * - anything else (`console`): `logger[level](message)` with one string — `format` with its
 *   `%s` replaced by the element's `toString()`.
 *
 * In the structured styles the message is `format` with its `%s` replaced by the element's name;
 * `time` is milliseconds since the epoch. The style is detected from the logger (see
 * {@link MSinkLoggerOptions.style}) or given.
 *
 * The message is passed whole, never as a format string, so `%` signs in names and tags are not
 * re-interpreted by the logger's own formatting. What the level method returns is ignored
 * (loggers are synchronous or buffer on their own). An error it throws fails the sink, unchanged.
 *
 * `format: 'metric %s'`, console → `console.info('metric MElement(name=m.sum, value=3, …)')`;
 * pino → `logger.info({ metric: { name: 'm.sum', value: 3, tags: {…}, time: 1700000000000 } }, 'metric m.sum')`
 *
 * @example
 * ```ts
 * import { MSinkLogger } from 'metrix-stream';
 * const toConsole = new MSinkLogger(); // console.info('MElement(…)')
 * const debugLines = new MSinkLogger({ logger: console, level: 'debug', format: 'metric %s' });
 * ```
 * @example pino: the element as fields of the JSON line
 * ```ts
 * import pino from 'pino';
 * import { MSinkLogger } from 'metrix-stream';
 * const sink = new MSinkLogger({ logger: pino() });
 * // {"level":30,"time":…,"metric":{"name":"latency.mean","value":12,"tags":{"route":"/a"},"time":…},"msg":"latency.mean"}
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_FORMAT` when `format` is not a string with
 * exactly one `%s`; `ERR_METRIX_INVALID_ARGUMENT` when `logger[level]` is not a function, `style`
 * or `key` is invalid, or `options` is not an object.
 * @see {@link MSinkPrinter} to write lines to a stream.
 * @category Sinks
 */
export class MSinkLogger extends MSink {
  readonly #log: (...args: unknown[]) => unknown;
  readonly #style: MSinkLoggerStyle;
  readonly #key: string;
  readonly #prefix: string;
  readonly #suffix: string;

  constructor(options: MSinkLoggerOptions = {}) {
    super(options);
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'MSinkLogger(options): options must be an object', {
        input: options,
      });
    }
    const { logger = console, level = 'info', format = '%s', key = 'metric' } = options;
    if (typeof format !== 'string' || format.split('%s').length !== 2) {
      throw new MetrixError(
        ErrorCode.INVALID_FORMAT,
        `MSinkLogger({ format }) must be a string with exactly one %s, got ${describe(format)}`,
        { input: format },
      );
    }
    const method = logger == null ? undefined : (logger as Record<string, unknown>)[level];
    if (typeof method !== 'function') {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `MSinkLogger({ logger, level }): logger.${String(level)} must be a function, got ${describe(method)}`,
        { input: logger },
      );
    }
    const style = options.style ?? detectStyle(logger);
    if (style !== 'pino' && style !== 'winston' && style !== 'console') {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `MSinkLogger({ style }) must be 'pino', 'winston' or 'console', got ${describe(style)}`,
        { input: style },
      );
    }
    if (typeof key !== 'string' || key.length === 0) {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        `MSinkLogger({ key }) must be a non-empty string, got ${describe(key)}`,
        { input: key },
      );
    }
    // Bound once: pino and winston methods need their logger as `this`.
    this.#log = (method as (...args: unknown[]) => unknown).bind(logger);
    this.#style = style;
    this.#key = key;
    const at = format.indexOf('%s');
    // Split once rather than String#replace, whose replacement string would interpret `$&` in tags.
    this.#prefix = format.slice(0, at);
    this.#suffix = format.slice(at + 2);
  }

  protected handle(element: MElement): void {
    if (this.#style === 'console') {
      this.#log(this.#prefix + element.toString() + this.#suffix);
      return;
    }
    const fields = { [this.#key]: element.toJSON() };
    const message = this.#prefix + element.name + this.#suffix;
    if (this.#style === 'pino') this.#log(fields, message);
    else this.#log(message, fields);
  }
}

/** The call shape of a logger, by the methods that tell pino and winston loggers apart. */
function detectStyle(logger: object): MSinkLoggerStyle {
  const l = logger as Record<string, unknown>;
  if (typeof l.child === 'function' && typeof l.bindings === 'function' && typeof l.levels === 'object') return 'pino';
  if (typeof l.log === 'function' && typeof l.add === 'function' && typeof l.configure === 'function') return 'winston';
  return 'console';
}
