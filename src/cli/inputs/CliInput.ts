import type { AddressInfo } from 'node:net';
import type { MetrixError } from '../../MetrixError.js';
import type { LineParser } from '../../parsers/LineParser.js';
import type { CliConfig } from '../CliConfig.js';

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
 *   everything it read has been handed on; it never rejects (failures go to `fail`);
 * - {@link CliInput.counts} tells what it has seen so far, for the progress line and the summary.
 */
export interface CliInput {
  /** Opens the input; resolves with the address it listens on, if it listens. */
  start(): Promise<AddressInfo | undefined>;
  /** Stops taking input; what was read is still handed on, then `done` resolves. */
  stop(): void;
  /** Resolves once the input has ended and handed on everything it read. */
  readonly done: Promise<void>;
  /** Counters of this input (names are the input's own: `datagrams`, `requests`, …). */
  counts(): Readonly<Record<string, number>>;
}

/** What an input needs from the command: where elements go and how problems are reported. */
export interface InputContext {
  /** Where parsed elements are written (piped without `end`: the command ends it). */
  readonly target: NodeJS.WritableStream;
  /** A new parser of `format` with the command's line-length limit. */
  makeParser(format: CliConfig['format'], onMalformed: CliConfig['onMalformed']): LineParser;
  /** Reports a skipped malformed line from the input called `label`. */
  malformed(label: string, err: MetrixError): void;
  /** Reports a failure that stops the command (exit 1). */
  fail(err: Error, label?: string): void;
  /** Writes one message line on stderr. */
  log(message: string): void;
}
