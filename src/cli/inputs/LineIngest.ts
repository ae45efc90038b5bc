import type { MetrixError } from '../../MetrixError.js';
import type { LineFormat } from '../../parsers/LineFormat.js';
import type { LineHandler } from '../../parsers/LineReader.js';
import { lineTooLong, malformedLine } from '../../parsers/malformedLine.js';
import type { Router } from '../Router.js';

/**
 * The line handler of the command's inputs: parses each line with a {@link LineFormat} and
 * routes its elements at once ({@link Router.route}), so that a chunk of lines is parsed, routed
 * and accumulated in one synchronous pass, each line checked once, by the format. A malformed or
 * too long line goes to `onBad`, whose answer says whether to go on with the chunk.
 */
export class LineIngest implements LineHandler {
  /** Elements routed from this input's lines. */
  accepted = 0;
  /** Malformed and too long lines. */
  malformed = 0;

  readonly #format: LineFormat;
  readonly #router: Router;
  readonly #maxLineLength: number;
  readonly #onBad: (err: MetrixError) => boolean;
  readonly #fromClient: boolean;

  /**
   * @param fromClient - The lines come from network clients (see {@link Router.route}): their
   * input never stops the command.
   */
  constructor(
    format: LineFormat,
    router: Router,
    maxLineLength: number,
    onBad: (err: MetrixError) => boolean,
    fromClient = false,
  ) {
    this.#format = format;
    this.#router = router;
    this.#maxLineLength = maxLineLength;
    this.#onBad = onBad;
    this.#fromClient = fromClient;
  }

  line(text: string, number: number): boolean {
    let parsed: ReturnType<LineFormat['parse']>;
    try {
      parsed = this.#format.parse(text);
    } catch (cause) {
      this.malformed++;
      return this.#onBad(malformedLine(this.#format.what, number, text, cause));
    }
    if (parsed === undefined) return true;
    if (Array.isArray(parsed)) {
      for (const element of parsed) this.#router.route(element, this.#fromClient);
      this.accepted += parsed.length;
    } else {
      this.#router.route(parsed as Exclude<typeof parsed, readonly unknown[]>, this.#fromClient);
      this.accepted++;
    }
    return true;
  }

  tooLong(number: number, head: Buffer): boolean {
    this.malformed++;
    return this.#onBad(lineTooLong(this.#format.what, this.#maxLineLength, number, head));
  }
}
