import type { MetrixError } from '../MetrixError.js';

/** Messages about malformed lines printed one by one before only a count is kept. */
const MAX_REPORTED = 10;
/** How often the progress line is redrawn. */
const PROGRESS_MS = 500;

/** What the progress line shows, read at each redraw. */
export interface ProgressCounts {
  /** Elements routed so far. */
  in: number;
  /** Aggregates delivered so far. */
  out: number;
  /** Further figures shown after the rate when not zero (`dropped`, …), in order. */
  extra?: Readonly<Record<string, number>>;
}

/**
 * The command's stderr: message lines prefixed `metrix-stream: `, the first malformed lines one by
 * one and then only their count, and the optional progress line, redrawn in place (`\r` and
 * erase-line) every half second and erased before any other message so that the two never mix.
 */
export class CliReporter {
  readonly #stderr: NodeJS.WritableStream;
  #progressShown = false;
  #malformed = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #startedAt = 0;

  constructor(stderr: NodeJS.WritableStream) {
    this.#stderr = stderr;
  }

  /** Malformed lines reported so far. */
  get malformedCount(): number {
    return this.#malformed;
  }

  /** Writes `metrix-stream: <message>` on its own line (erasing the progress line first). */
  log(message: string): void {
    this.#erase();
    this.#stderr.write(`metrix-stream: ${message}\n`);
  }

  /** Counts a skipped malformed line; prints the first ones, then says that only a count follows. */
  malformed(label: string, err: MetrixError): void {
    this.#malformed++;
    if (this.#malformed <= MAX_REPORTED) this.log(`skipped: ${label}: ${err.message}`);
    if (this.#malformed === MAX_REPORTED + 1) this.log('more malformed lines skipped; the count follows at the end');
  }

  /**
   * Starts redrawing the progress line: elements in, aggregates out, and elements per second
   * over the last redraw interval (measured on `Date.now()`, so a fake clock drives it in tests).
   * The timer is unref'd: it never keeps the process alive.
   */
  startProgress(read: () => ProgressCounts): void {
    let lastIn = read().in;
    let lastAt = Date.now();
    this.#startedAt = lastAt;
    this.#timer = setInterval(() => {
      const now = Date.now();
      const counts = read();
      const rate = Math.round(((counts.in - lastIn) * 1000) / Math.max(1, now - lastAt));
      lastIn = counts.in;
      lastAt = now;
      this.#stderr.write(`\r\x1b[2Kmetrix-stream: ${summary(counts)}, ${rate} el/s${extras(counts)}`);
      this.#progressShown = true;
    }, PROGRESS_MS);
    this.#timer.unref();
  }

  /**
   * The closing line of a run with a progress line: `N in, M out, R el/s on average over S s`,
   * the rate measured from {@link CliReporter.startProgress}.
   */
  finalSummary(counts: ProgressCounts): void {
    const seconds = Math.max(0.001, (Date.now() - this.#startedAt) / 1000);
    this.log(
      `${summary(counts)}, ${Math.round(counts.in / seconds)} el/s on average over ${seconds} s${extras(counts)}`,
    );
  }

  /** Stops and erases the progress line. */
  stopProgress(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#erase();
  }

  #erase(): void {
    if (this.#progressShown) this.#stderr.write('\r\x1b[2K');
    this.#progressShown = false;
  }
}

/** `12 in, 3 out` */
export function summary(counts: ProgressCounts): string {
  return `${counts.in} in, ${counts.out} out`;
}

function extras(counts: ProgressCounts): string {
  let text = '';
  for (const [name, n] of Object.entries(counts.extra ?? {})) if (n > 0) text += `, ${n} ${name}`;
  return text;
}
