import type { TransformCallback } from 'node:stream';
import type { Duplex } from 'readable-stream';
import { Transform } from 'readable-stream';
import { streamOptions } from '../internal/validate.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { StageOptions } from './StageOptions.js';

/**
 * An object-mode Duplex that emits exactly one output for each input, like {@link aggregate}.
 * @category Stages
 */
export type ZipBranch = Pick<Duplex, 'write' | 'end' | 'on' | 'destroy'>;

/**
 * Feeds every input to each branch (typically several {@link aggregate} stages) and emits, per
 * input, the array of the branches' outputs in branch order — so the aggregations of one window
 * stay together and in the order they were given.
 *
 * Each branch must emit exactly one output per input. An input is acknowledged once every branch
 * has accepted it (its `write()` returned true, or it has drained since), so a slow branch slows
 * the zip (backpressure). At end of input it ends every branch and waits for their last outputs.
 * A branch's error destroys the zip with that error, unchanged; destroying the zip destroys the
 * branches.
 *
 * `g1 g2` with branches `sum`, `max` → `[sum(g1), max(g1)] [sum(g2), max(g2)]`
 *
 * @param branches - At least one object-mode Duplex.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `branches` is empty or holds
 * something that is not a stream.
 * @example
 * ```ts
 * import { aggregate, flatten, groupByKey, max, sum, windowByTime, zipAggs } from 'metrix-stream';
 * const out = windowByTime(5)
 *   .pipe(groupByKey())
 *   .pipe(zipAggs([aggregate('m.sum', sum), aggregate('m.max', max)]))
 *   .pipe(flatten());
 * ```
 * @see {@link aggregate}; {@link flatten}, which turns the arrays back into elements.
 * @category Stages
 */
export function zipAggs(branches: readonly ZipBranch[], options?: StageOptions): Transform {
  if (!Array.isArray(branches) || branches.length === 0) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      'zipAggs(branches): branches must be a non-empty array of streams',
      {
        input: branches,
      },
    );
  }
  for (const b of branches) {
    if (b === null || typeof b !== 'object' || typeof b.write !== 'function' || typeof b.on !== 'function') {
      throw new MetrixError(
        ErrorCode.INVALID_ARGUMENT,
        'zipAggs(branches): every branch must be an object-mode Duplex',
        {
          input: b,
        },
      );
    }
  }
  const queues: unknown[][] = branches.map(() => []);
  // Branches whose write() returned false, awaiting their 'drain' before the next input.
  const blocked: boolean[] = branches.map(() => false);
  let waiting = 0;
  let resume: TransformCallback | undefined;
  let ended = 0;
  let onAllEnded: (() => void) | undefined;

  const zip = new Transform({
    ...streamOptions(options),
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback) {
      // Acknowledge at once when every branch took the input without asking to wait, rather than
      // in write callbacks, which come a tick later: then a batch passes the whole MStream chain
      // synchronously instead of ~100 batches piling up in the stages' buffers (and surviving
      // into the old generation) while a producer sends in a loop. A branch error is reported by
      // its 'error' listener, which destroys the zip.
      for (let i = 0; i < branches.length; i++) {
        if (!(branches[i] as ZipBranch).write(chunk)) {
          blocked[i] = true;
          waiting++;
        }
      }
      if (waiting === 0) callback();
      else resume = callback;
    },
    flush(this: Transform, callback: TransformCallback) {
      onAllEnded = () => {
        const leftover = queues.some((q) => q.length > 0);
        callback(
          leftover
            ? new MetrixError(ErrorCode.INVALID_ARGUMENT, 'zipAggs: branches emitted different numbers of outputs')
            : null,
        );
      };
      if (ended === branches.length) onAllEnded();
      else for (const branch of branches) branch.end();
    },
    destroy(error: Error | null, callback: (error: Error | null) => void) {
      for (const branch of branches) branch.destroy();
      callback(error);
    },
  });

  branches.forEach((branch, i) => {
    branch.on('data', (out: unknown) => {
      (queues[i] as unknown[]).push(out);
      emitReady();
    });
    branch.on('drain', () => {
      if (!blocked[i]) return;
      blocked[i] = false;
      if (--waiting === 0) {
        const callback = resume;
        resume = undefined;
        callback?.();
      }
    });
    branch.on('end', () => {
      if (++ended === branches.length) onAllEnded?.();
    });
    branch.on('error', (err: Error) => zip.destroy(err));
    // A branch's reports (an aggregate's dropped non-finite results) are the zip's to tell.
    branch.on('invalidResult', (err: Error) => zip.emit('invalidResult', err));
  });

  function emitReady(): void {
    while (queues.every((q) => q.length > 0)) zip.push(queues.map((q) => q.shift()));
  }

  return zip;
}
