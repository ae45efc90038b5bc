/** The part of a stream that {@link settled} listens to. */
interface Emitter {
  // biome-ignore lint/suspicious/noExplicitAny: listeners of any stream type must fit
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  readonly writableFinished?: boolean;
  readonly closed?: boolean;
  readonly errored?: Error | null;
}

/**
 * Resolves on the stream's `event`; rejects with its `'error'`, or with `prematureClose()` on a
 * `'close'` that comes first — except that a `'close'` after the writable side finished counts
 * as `'finish'`. A stream that has already emitted `'close'` settles at once the same way (with
 * its error, if it was destroyed with one), since neither event will come. Every listener is
 * removed once it settles, so nothing leaks across calls.
 */
export function settled(stream: Emitter, event: 'finish' | 'drain', prematureClose: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (stream.closed === true) {
      if (event === 'finish' && stream.writableFinished === true) resolve();
      else reject(stream.errored ?? prematureClose());
      return;
    }
    const cleanup = () => {
      stream.removeListener(event, onEvent);
      stream.removeListener('error', onError);
      stream.removeListener('close', onClose);
    };
    const onEvent = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      if (event === 'finish' && stream.writableFinished === true) resolve();
      else reject(prematureClose());
    };
    stream.on(event, onEvent);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
