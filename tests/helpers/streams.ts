import { Readable } from 'node:stream';
import type { Duplex, Transform } from 'readable-stream';

/** Writes `items` into `stage`, ends it and resolves with everything it emitted. */
export async function run<T = unknown>(stage: Transform | Duplex, items: readonly unknown[]): Promise<T[]> {
  const out: T[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stage.on('data', (x: T) => out.push(x));
    stage.on('end', () => resolve());
    stage.on('error', reject);
  });
  for (const item of items) stage.write(item);
  stage.end();
  await done;
  return out;
}

/** Pipes `items` from a Readable through `stage` and collects the output with `toArray()`. */
export async function pipeThrough<T = unknown>(stage: Transform | Duplex, items: readonly unknown[]): Promise<T[]> {
  return (await Readable.from(items as unknown[], { objectMode: true })
    .pipe(stage as unknown as NodeJS.WritableStream & Readable)
    .toArray()) as T[];
}

/** Waits for the first 'error' of a stream. */
export function nextError(stream: NodeJS.EventEmitter): Promise<Error> {
  return new Promise((resolve) => stream.once('error', resolve));
}
