// Question: how many elements per second go through MStream.send(), output consumed?
import { once } from 'node:events';
import { MStream } from '../src/index.js';
import { BATCH_SIZE, type Workload } from './workload.js';

/**
 * Sends every element of `w` with `send()`, honouring backpressure (waits for `'drain'` when
 * send() returns false), consumes the output with a `'data'` listener, and awaits `close()`.
 * Returns the number of outputs, which the caller checks.
 */
export async function runSend(w: Workload): Promise<number> {
  const mstream = new MStream('bench', { agg: [...w.aggs], batchSize: BATCH_SIZE });
  let outputs = 0;
  mstream.on('data', () => {
    outputs++;
  });
  const { values, tags } = w;
  const n = values.length;
  if (tags === undefined) {
    for (let i = 0; i < n; i++) {
      if (!mstream.send(values[i] as number)) await once(mstream, 'drain');
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (!mstream.send(values[i] as number, { tags: tags[i] })) await once(mstream, 'drain');
    }
  }
  await mstream.close();
  return outputs;
}
