// Question: how fast is Readable.from(items).pipe(mstream), output consumed, beside the same
// source piped into a Writable that only counts (the transport floor)?
import { Readable } from 'node:stream';
import { MStream, max, mean, sum } from '../src/index.js';
import { runTransportFloor } from './baselines.js';
import { type Question, type Row, rate, times } from './report.js';
import { isChildOf, medianRate, pairedRatio, serveGroup, timeGroups } from './timing.js';
import { itemsOf, makeWorkload, type Workload } from './workload.js';

/**
 * Pipes `items` (numbers, or `{ value, tags }` objects) from `Readable.from()` into a new MStream
 * with `w`'s aggregations and batch size, consumes its output with a `'data'` listener and
 * resolves at its `'end'` with the number of outputs.
 */
export function pipeAll(w: Workload, items: readonly unknown[]): Promise<number> {
  const mstream = new MStream('bench', { agg: [...w.aggs], batchSize: w.batchSize });
  let outputs = 0;
  const done = new Promise<number>((resolve, reject) => {
    mstream.on('data', () => {
      outputs++;
    });
    mstream.on('end', () => resolve(outputs));
    mstream.on('error', reject);
  });
  Readable.from(items).pipe(mstream);
  return done;
}

function pipedGroup(w: Workload) {
  const items = itemsOf(w);
  return [
    { id: 'piped', run: () => pipeAll(w, items), expected: w.expectedOutputs },
    { id: 'floor', run: () => runTransportFloor(items), expected: items.length },
  ];
}

const groups = {
  plain: (n: number) => pipedGroup(makeWorkload({ n, tagSets: 0, aggs: [sum] })),
  tagged: (n: number) => pipedGroup(makeWorkload({ n, tagSets: 100, aggs: [sum, max, mean] })),
};

const cases = [
  { group: 'plain', label: 'no tags, [sum], batchSize 1000', target: 0.9 },
  { group: 'tagged', label: '100 frozen tag sets, [sum,max,mean], batchSize 1000', target: 0.7 },
] as const;

export const question: Question = {
  id: 'piped',
  async run(settings) {
    const rates = await timeGroups(import.meta.url, Object.keys(groups), settings.n, settings);
    return cases.map(({ group, label, target }): Row => {
      const ratio = pairedRatio(rates, `${group}.piped`, `${group}.floor`);
      return {
        question: 'piped',
        case: label,
        figure: `pipe(mstream) ${rate(medianRate(rates, `${group}.piped`))}`,
        baseline: `transport floor ${rate(medianRate(rates, `${group}.floor`))}`,
        vs: times(ratio),
        target: `≥ ${times(target)}`,
        met: ratio >= target,
      };
    });
  },
};

if (isChildOf(import.meta.url)) serveGroup(groups);
