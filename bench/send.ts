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

/**
 * {@link runSend} with every element's `time` given (the time the run started), so that no
 * element reads the clock: what send() costs apart from `Date.now()`, which is most of it on a
 * machine where the clock is slow. Not a target; it shows where the time goes.
 */
export async function runSendWithTime(w: Workload): Promise<number> {
  const mstream = new MStream('bench', { agg: [...w.aggs], batchSize: BATCH_SIZE });
  let outputs = 0;
  mstream.on('data', () => {
    outputs++;
  });
  const { values, tags } = w;
  const n = values.length;
  const time = Date.now();
  if (tags === undefined) {
    for (let i = 0; i < n; i++) {
      if (!mstream.send(values[i] as number, { time })) await once(mstream, 'drain');
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (!mstream.send(values[i] as number, { tags: tags[i], time })) await once(mstream, 'drain');
    }
  }
  await mstream.close();
  return outputs;
}
