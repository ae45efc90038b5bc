import type { AddressInfo } from 'node:net';
import type { MetrixError } from '../../MetrixError.js';
import type { LineFormat } from '../../parsers/LineFormat.js';
import type { Router } from '../Router.js';

/**
 * One input of the command (the files or stdin, the UDP StatsD listener, the HTTP NDJSON
 * listener), all with the same small lifecycle, so that the command's wiring does not depend on
 * what an input is:
 *
 * - {@link CliInput.start} opens it and resolves with its listening address (`undefined` for an
 *   input that does not listen), or with `undefined` after reporting a failure to open (a port in
 *   use) through {@link InputContext.fail};
 * - {@link CliInput.stop} stops taking input (a signal, a failure elsewhere); idempotent;
 * - {@link CliInput.done} resolves once the input has ended, by itself or after `stop()`, and
 *   everything it read has been routed; it never rejects (failures go to `fail`);
 * - {@link CliInput.counts} tells what it has seen so far, for the progress line and the summary.
 */
export interface CliInput {
  /** Opens the input; resolves with the address it listens on, if it listens. */
  start(): Promise<AddressInfo | undefined>;
  /** Stops taking input; what was read is still routed, then `done` resolves. */
  stop(): void;
  /** Resolves once the input has ended and routed everything it read. */
  readonly done: Promise<void>;
  /** Counters of this input (names are the input's own: `datagrams`, `requests`, …). */
  counts(): Readonly<Record<string, number>>;
}

/** What an input needs from the command: where elements go and how problems are reported. */
export interface InputContext {
  /** Routes parsed elements to the streams, and says when to wait. */
  readonly router: Router;
  /** A new line format (with its own state, e.g. StatsD gauges) for one input. */
  format(kind: 'ndjson' | 'statsd'): LineFormat;
  /** Longest accepted line, bytes. */
  readonly maxLineLength: number;
  /** Reports a skipped malformed line from the input called `label`. */
  malformed(label: string, err: MetrixError): void;
  /** Reports a failure that stops the command (exit 1). */
  fail(err: Error, label?: string): void;
  /** Writes one message line on stderr. */
  log(message: string): void;
}
