import { describe } from './internal/describe.js';
import { ErrorCode, MetrixError } from './MetrixError.js';

/** Something {@link flushOnExit} can close: an `MCoordinator`, an `MStream`, or your own. */
export interface Closable {
  /** Delivers what is held and resolves when done; `timeoutMs`, when understood, bounds it. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** Options of {@link flushOnExit}. */
export interface FlushOnExitOptions {
  /** The signals that close it (default `['SIGINT', 'SIGTERM']`). */
  signals?: readonly NodeJS.Signals[];
  /**
   * Deadline of the close, in ms (default 10 000), passed on as `close({ timeoutMs })`. The
   * helper also stops waiting itself one second after it, for a closable that ignores it.
   */
  timeoutMs?: number;
  /**
   * After closing, raise the same signal again so that the process ends the way it would have
   * without this helper (default `true`). `false`: only close, and set `process.exitCode = 1` if
   * that failed; ending the process is then up to you.
   */
  exit?: boolean;
  /** Receives a failed close's error (default: written to stderr with `console.error`). */
  onError?: (error: unknown) => void;
}

/** Grace after `timeoutMs` for a closable that does not honour it. */
const GRACE_MS = 1000;

/**
 * Closes `closable` — delivering what it holds, within `timeoutMs` — when the process receives
 * SIGINT or SIGTERM, then lets the signal end the process as it would have. Opt-in: without it,
 * a signal kills the process at once and whatever is buffered is lost.
 *
 * Exact behaviour: on the first of `signals`, every listener this call added is removed at once
 * — so a second Ctrl-C kills the process the usual way, the escape hatch from a slow flush — and
 * `closable.close({ timeoutMs })` runs. When it settles (or `timeoutMs` + 1 s passed), a failure
 * goes to `onError`, and with `exit` (default) the signal is raised again: with no other listener
 * for it the process ends by that signal; listeners of your own receive it instead. Signal
 * listeners never keep a process alive, and the helper's only timer exists while it closes.
 *
 * @returns a function that removes the listeners again (when no signal came yet).
 * @example
 * ```ts
 * import { flushOnExit, MCoordinator } from 'metrix-stream';
 * const mc = new MCoordinator({ mstreams, msinks });
 * flushOnExit(mc, { timeoutMs: 5000 }); // Ctrl-C: flush for up to 5 s, then exit
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for a `closable` without `close`, an
 * empty or invalid `signals`, a `timeoutMs` that is not a non-negative finite number, or an
 * `onError` that is not a function.
 * @see {@link MCoordinator.close} for what a deadline reports.
 */
export function flushOnExit(closable: Closable, options: FlushOnExitOptions = {}): () => void {
  if (closable === null || typeof (closable as Partial<Closable>)?.close !== 'function') {
    throw invalid(
      `flushOnExit(closable): expected something with a close() method, got ${describe(closable)}`,
      closable,
    );
  }
  const { signals = ['SIGINT', 'SIGTERM'], timeoutMs = 10_000, exit = true, onError = defaultOnError } = options;
  if (
    !Array.isArray(signals) ||
    signals.length === 0 ||
    !signals.every((s) => typeof s === 'string' && /^SIG[A-Z0-9]+$/.test(s))
  ) {
    throw invalid(
      `flushOnExit({ signals }) must be a non-empty array of signal names, got ${describe(signals)}`,
      signals,
    );
  }
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw invalid(
      `flushOnExit({ timeoutMs }) must be a non-negative finite number, got ${describe(timeoutMs)}`,
      timeoutMs,
    );
  }
  if (typeof onError !== 'function') {
    throw invalid(`flushOnExit({ onError }) must be a function, got ${describe(onError)}`, onError);
  }

  const remove = () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<never>((_resolve, reject) => {
      // Referenced on purpose: it is what guarantees the process ends even if close() never does.
      timer = setTimeout(
        () =>
          reject(
            new MetrixError(
              ErrorCode.CLOSE_TIMEOUT,
              `flushOnExit: close() had not settled ${timeoutMs + GRACE_MS} ms after ${signal}; exiting anyway`,
            ),
          ),
        timeoutMs + GRACE_MS,
      );
    });
    let closing: Promise<void>;
    try {
      closing = Promise.resolve(closable.close({ timeoutMs }));
    } catch (err) {
      closing = Promise.reject(err);
    }
    Promise.race([closing, gaveUp])
      .then(
        () => undefined,
        (err: unknown) => {
          try {
            onError(err);
          } catch (thrown) {
            // A throwing onError must not stop the exit that the user asked for with the signal.
            defaultOnError(thrown);
          }
          if (!exit) process.exitCode = 1;
        },
      )
      .finally(() => {
        clearTimeout(timer);
        if (exit) process.kill(process.pid, signal);
      });
  };
  for (const signal of signals) process.on(signal, onSignal);
  return remove;
}

function defaultOnError(error: unknown): void {
  console.error(error);
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_ARGUMENT, message, { input });
}
