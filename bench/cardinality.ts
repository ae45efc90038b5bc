// Question: what does a batch of 10 k distinct tag sets cost per element, beside a batch that
// holds only 100 (both batchSize 10000, send() with frozen tags, [sum,max,mean])?
import { max, mean, sum } from '../src/index.js';
import { type Question, rate, times } from './report.js';
import { sendAll } from './send.js';
import { isChildOf, medianRate, pairedRatio, serveGroup, timeGroups } from './timing.js';
import { makeWorkload } from './workload.js';

const BATCH = 10_000;

const groups = {
  cardinality: (n: number) => {
    const few = makeWorkload({ n, tagSets: 100, aggs: [sum, max, mean], batchSize: BATCH });
    const many = makeWorkload({ n, tagSets: 10_000, aggs: [sum, max, mean], batchSize: BATCH });
    return [
      { id: 'many', run: () => sendAll(many), expected: many.expectedOutputs },
      { id: 'few', run: () => sendAll(few), expected: few.expectedOutputs },
    ];
  },
};

/** Cost per element of 10 k tag sets at most twice that of 100: rate(10 k) / rate(100) ≥ 0.5. */
const TARGET = 0.5;

export const question: Question = {
  id: 'cardinality',
  async run(settings) {
    // At least two full batches, so that a batch's groups are found again, not only created.
    const n = Math.max(settings.slowN, 2 * BATCH);
    const rates = await timeGroups(import.meta.url, Object.keys(groups), n, settings);
    const ratio = pairedRatio(rates, 'cardinality.many', 'cardinality.few');
    return [
      {
        question: 'cardinality',
        case: '10 k vs 100 frozen tag sets per batch of 10 k, [sum,max,mean]',
        figure: `10 k sets ${rate(medianRate(rates, 'cardinality.many'))} (${(1e9 / medianRate(rates, 'cardinality.many')).toFixed(0)} ns/el)`,
        baseline: `100 sets ${rate(medianRate(rates, 'cardinality.few'))} (${(1e9 / medianRate(rates, 'cardinality.few')).toFixed(0)} ns/el)`,
        vs: `${times(1 / ratio)} the cost`,
        target: `≤ ${times(1 / TARGET)} the cost`,
        met: ratio >= TARGET,
      },
    ];
  },
};

if (isChildOf(import.meta.url)) serveGroup(groups);
