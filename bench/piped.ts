// Question: how many elements per second go through Readable.from(source).pipe(mstream), output
// consumed?
import { Readable } from 'node:stream';
import { MStream } from '../src/index.js';
import { BATCH_SIZE, type Workload } from './workload.js';

/**
 * Pipes `w.items` (numbers, or `{ value, tags }` objects) from `Readable.from()` into a new
 * MStream, consumes its output with a `'data'` listener and resolves at its `'end'` with the
 * number of outputs.
 */
export function runPiped(w: Workload): Promise<number> {
  const mstream = new MStream('bench', { agg: [...w.aggs], batchSize: BATCH_SIZE });
  let outputs = 0;
  const done = new Promise<number>((resolve, reject) => {
    mstream.on('data', () => {
      outputs++;
    });
    mstream.on('end', () => resolve(outputs));
    mstream.on('error', reject);
  });
  Readable.from(w.items).pipe(mstream);
  return done;
}
