import type { MElement } from '../MElement.js';
import { formatHuman } from './formatHuman.js';

/** What {@link stdoutSink} returns: the sink function and what became of stdout. */
export interface StdoutSink {
  /** A function sink (see `toSink`) writing one line per aggregate. */
  readonly sink: (element: MElement) => undefined | Promise<void>;
  /** Whether the reader went away (EPIPE): lines are then dropped, quietly. */
  readonly closed: () => boolean;
}

/**
 * The command's stdout as a sink: one line per aggregate, `human` ({@link formatHuman}) or
 * `ndjson` (`JSON.stringify(element)`, what `MSinkNDJSON` writes), honouring stdout's
 * backpressure.
 *
 * A reader that goes away (`metrix-stream … | head -1`: EPIPE) is not a failure, as for any Unix
 * filter: `onClosed` is called once, so that the command stops reading and exits 0, and later
 * lines are dropped without a word. Any other stdout error goes to `onError`. A write waiting for
 * `'drain'` is released by the error too, so a closed pipe never leaves the sink waiting forever.
 */
export function stdoutSink(
  stdout: NodeJS.WritableStream,
  format: 'human' | 'ndjson',
  onClosed: () => void,
  onError: (err: Error) => void,
): StdoutSink {
  let closed = false;
  let waiting: (() => void) | undefined;
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    const wake = waiting;
    waiting = undefined;
    wake?.();
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      if (!closed) {
        closed = true;
        onClosed();
      }
      return;
    }
    onError(err);
  });
  const sink = (element: MElement): undefined | Promise<void> => {
    if (closed) return undefined;
    const text = format === 'human' ? formatHuman(element) : `${JSON.stringify(element)}\n`;
    if (stdout.write(text)) return undefined;
    return new Promise<void>((resolve) => {
      waiting = resolve;
      stdout.once('drain', () => {
        if (waiting === resolve) waiting = undefined;
        resolve();
      });
    });
  };
  return { sink, closed: () => closed };
}
