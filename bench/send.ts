// Question: how fast is MStream.send(), output consumed, beside a hand-written batch loop doing
// the same grouping and aggregation?
import { once } from 'node:events';
import { MStream, max, mean, sum } from '../src/index.js';
import { runHandLoop } from './baselines.js';
import { type Question, type Row, rate, times } from './report.js';
import { isChildOf, medianRate, pairedRatio, serveGroup, timeGroups } from './timing.js';
import { makeWorkload, type Workload } from './workload.js';

/**
 * Sends every element of `w` with `send()` into a new MStream (`batchSize: w.batchSize`),
 * honouring backpressure (waits for `'drain'` when send() returns false), consumes the output with
 * a `'data'` listener and awaits `close()`. Returns the number of outputs, which the caller checks.
 */
export async function sendAll(w: Workload): Promise<number> {
  const mstream = new MStream('bench', { agg: [...w.aggs], batchSize: w.batchSize });
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

const groups = {
  plain: (n: number) => {
    const w = makeWorkload({ n, tagSets: 0, aggs: [sum] });
    return [
      { id: 'send', run: () => sendAll(w), expected: w.expectedOutputs },
      { id: 'loop', run: () => runHandLoop(w), expected: w.expectedOutputs },
    ];
  },
  tagged: (n: number) => {
    const w = makeWorkload({ n, tagSets: 100, aggs: [sum, max, mean] });
    return [
      { id: 'send', run: () => sendAll(w), expected: w.expectedOutputs },
      { id: 'loop', run: () => runHandLoop(w), expected: w.expectedOutputs },
      { id: 'loopCached', run: () => runHandLoop(w, true), expected: w.expectedOutputs },
    ];
  },
};

const cases = [
  { group: 'plain', label: 'no tags, [sum], batchSize 1000', target: 2 },
  { group: 'tagged', label: '100 frozen tag sets, [sum,max,mean], batchSize 1000', target: 1.5 },
] as const;

export const question: Question = {
  id: 'send',
  async run(settings) {
    const rates = await timeGroups(import.meta.url, Object.keys(groups), settings.n, settings);
    const rows: Row[] = [];
    for (const { group, label, target } of cases) {
      const id = (c: string) => `${group}.${c}`;
      const ratio = pairedRatio(rates, id('send'), id('loop'));
      rows.push({
        question: 'send',
        case: label,
        figure: `send() ${rate(medianRate(rates, id('send')))}`,
        baseline: `hand loop ${rate(medianRate(rates, id('loop')))}`,
        vs: times(ratio),
        target: `≥ ${times(target)}`,
        met: ratio >= target,
      });
      if (group === 'tagged') {
        rows.push({
          question: 'send',
          case: `${label} (informative)`,
          figure: `send() ${rate(medianRate(rates, id('send')))}`,
          baseline: `hand loop, keys cached per tag object ${rate(medianRate(rates, id('loopCached')))}`,
          vs: times(pairedRatio(rates, id('send'), id('loopCached'))),
          target: '',
          met: undefined,
        });
      }
    }
    return rows;
  },
};

if (isChildOf(import.meta.url)) serveGroup(groups);
