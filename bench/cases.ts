// Every measurement of the benchmark: which workload, which path, what a run must return.

import { max, mean, sum } from '../src/index.js';
import { runHandLoop, runHandLoopCachedKeys, runTransportFloor } from './baselines.js';
import { runPiped } from './piped.js';
import { runSend, runSendWithTime } from './send.js';
import { makeWorkload, type Workload } from './workload.js';

/** A scenario of the issue, with its targets. */
export interface Scenario {
  readonly id: 'plain' | 'tagged';
  readonly label: string;
  /** Target for send(), in elements per second. */
  readonly sendTarget: number;
  /** Target for the piped path, as a share of the transport floor. */
  readonly pipedShare: number;
  readonly make: (n: number) => Workload;
}

export type PathName =
  | 'send()'
  | 'send(), time given'
  | 'hand loop'
  | 'hand loop, keys cached'
  | 'pipe(mstream)'
  | 'transport floor';

/** One thing to time: a path through one scenario's workload. */
export interface Case {
  readonly id: string;
  /**
   * Cases of one group run in one process, their runs alternating, so that a path and its limit
   * are timed under the same load and their ratio is taken run by run.
   */
  readonly group: string;
  readonly scenario: Scenario;
  readonly path: PathName;
  readonly run: (w: Workload) => number | Promise<number>;
  /** What a run must return: outputs for the stream paths and the loops, elements for the floor. */
  readonly expected: (w: Workload) => number;
}

export const scenarios: readonly Scenario[] = [
  {
    id: 'plain',
    label: 'no tags, [sum]',
    sendTarget: 25e6,
    pipedShare: 0.4,
    make: (n) => makeWorkload('no tags, [sum]', n, 0, [sum]),
  },
  {
    id: 'tagged',
    label: '100 tag sets, [sum,max,mean]',
    sendTarget: 6e6,
    pipedShare: 0.25,
    make: (n) => makeWorkload('100 tag sets, [sum,max,mean]', n, 100, [sum, max, mean]),
  },
];

const outputs = (w: Workload) => w.expectedOutputs;

export const cases: readonly Case[] = scenarios.flatMap((scenario): Case[] => [
  {
    id: `${scenario.id}.send`,
    group: `${scenario.id}.send`,
    scenario,
    path: 'send()',
    run: runSend,
    expected: outputs,
  },
  {
    id: `${scenario.id}.loop`,
    group: `${scenario.id}.send`,
    scenario,
    path: 'hand loop',
    run: (w) => runHandLoop(w),
    expected: outputs,
  },
  // Without tags both loops are the same loop.
  ...(scenario.id === 'tagged'
    ? [
        {
          id: `${scenario.id}.loopCached`,
          group: `${scenario.id}.send`,
          scenario,
          path: 'hand loop, keys cached' as const,
          run: runHandLoopCachedKeys,
          expected: outputs,
        },
      ]
    : []),
  // Alone: the same send() code with another options shape would slow send() in its process.
  {
    id: `${scenario.id}.sendTime`,
    group: `${scenario.id}.sendTime`,
    scenario,
    path: 'send(), time given',
    run: runSendWithTime,
    expected: outputs,
  },
  {
    id: `${scenario.id}.piped`,
    group: `${scenario.id}.piped`,
    scenario,
    path: 'pipe(mstream)',
    run: runPiped,
    expected: outputs,
  },
  {
    id: `${scenario.id}.floor`,
    group: `${scenario.id}.piped`,
    scenario,
    path: 'transport floor',
    run: runTransportFloor,
    expected: (w) => w.values.length,
  },
]);
