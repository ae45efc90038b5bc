import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';

/** Options of {@link MSinkLogger}. */
export interface MSinkLoggerOptions extends MSinkOptions {
  /** Any object with level methods (`console`, a pino or winston logger). Default `console`. */
  logger?: object;
  /** Name of the method called per element. Default `'info'`. */
  level?: string;
  /** Message template with exactly one `%s`, replaced by the element's `toString()`. Default `'%s'`. */
  format?: string;
}

/**
 * A sink that logs one message per element: `logger[level](message)`, called on the logger (so
 * `this` is the logger) with one string — `format` with its `%s` replaced by the element's
 * `toString()`. Any logger with level methods works: `console`, pino, winston, bunyan.
 *
 * The message is passed as the only argument, so `%` signs in tags are not re-interpreted by the
 * logger's own formatting. What the level method returns is ignored (loggers are synchronous or
 * buffer on their own). An error it throws fails the sink, unchanged.
 *
 * `format: 'metric %s'` → `logger.info('metric MElement(name=m.sum, value=3, …)')`
 *
 * @example
 * ```ts
 * import { MSinkLogger } from 'metrix-stream';
 * const toConsole = new MSinkLogger(); // console.info('MElement(…)')
 * const debugLines = new MSinkLogger({ logger: console, level: 'debug', format: 'metric %s' }); // or a pino logger
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_FORMAT` when `format` is not a string with
 * exactly one `%s`; `ERR_METRIX_INVALID_ARGUMENT` when `logger[level]` is not a function or
 * `options` is not an object.
 * @see {@link MSinkPrinter} to write lines to a stream.
 */
export class MSinkLogger extends MSink {
  readonly #log: (message: string) => unknown;
  readonly #prefix: string;
  readonly #suffix: string;

  constructor(options: MSinkLoggerOptions = {}) {
    super(options);
    if (options === null || typeof options !== 'object') {
      throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'MSinkLogger(options): options must be an object', {
        input: options,
      });
    }
    const { logger = console, level = 'info', format = '%s' } = options;
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
    // Bound once: pino and winston methods need their logger as `this`.
    this.#log = (method as (message: string) => unknown).bind(logger);
    const at = format.indexOf('%s');
    // Split once rather than String#replace, whose replacement string would interpret `$&` in tags.
    this.#prefix = format.slice(0, at);
    this.#suffix = format.slice(at + 2);
  }

  protected handle(element: MElement): void {
    this.#log(this.#prefix + element.toString() + this.#suffix);
  }
}
