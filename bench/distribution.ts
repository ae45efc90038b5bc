// Question: what does the two-tier aggregation over NATS JetStream cost — partials per second
// through the tier (edge publish → JetStream → merging process → sink) and the delay from the
// partial that completes a window to its final aggregate — beside the same job in one process?
// Runs on its own (`npx tsx bench/distribution.ts [--quick]`) against a real nats-server -js
// started on a free 127.0.0.1 port (tests/helpers/natsServer.ts) and stopped by PID.
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { PartialForwarder, PartialMerger } from '../src/distribution/index.js';
import { type MElement, MStream, max, mean, percentile, sum } from '../src/index.js';
import { NatsServer } from '../tests/helpers/natsServer.js';
import { median, type Question, type Row } from './report.js';
import type { Settings } from './settings.js';

const AGG = { sum, max, mean, p99: percentile(99, { sketch: true }) };
const T0 = 1_700_000_000_000;
const WINDOW_MS = 1000;

interface Sizes {
  series: number;
  windows: number;
  perSeries: number;
}

/**
 * One run of the tier: one edge, one merging process owning all 8 partitions, a counting sink,
 * in this process. `together`: the merger consumes while the edge publishes (end to end);
 * otherwise the edge publishes everything first and the merger then works off the backlog, which
 * times each tier alone. `paced`: each window waits until the one before was emitted.
 */
async function tier(
  url: string,
  run: number,
  { series, windows, perSeries }: Sizes,
  mode: 'together' | 'apart' | 'paced',
) {
  // Without async traces the client builds no Error (and stack) per request: the largest
  // single cost of a publish in a profile here.
  const nc = await connect({ servers: url, noAsyncTraces: true });
  // Each run gets its own stream and consumers: nothing of the run before is in the way.
  const dist = { streamName: `BENCH_${run}`, subjectPrefix: `bench${run}`, partitions: 8 };
  const lastOfWindow = new Map<number, number>(); // window end → wall time its last aggregate arrived
  let elements = 0;
  const merger = new PartialMerger(nc, {
    ...dist,
    streams: { lat: AGG },
    sink: (el: MElement) => {
      elements++;
      lastOfWindow.set(el.time, performance.now());
    },
  });
  if (mode !== 'apart') await merger.start();
  const forwarder = new PartialForwarder(nc, { ...dist, source: 'bench-edge' });
  const ms = new MStream('lat', { agg: AGG, windowSize: WINDOW_MS / 1000, windowTime: 'event' });
  const published = new Map<number, number>(); // window start → wall time it was handed to the forwarder
  ms.on('window', (w) => published.set(w.start as number, performance.now()));
  forwarder.attach(ms);
  ms.resume();
  const tags = Array.from({ length: series }, (_, i) => ({ host: `h${i % 50}`, route: `/r${i}` }));
  const started = performance.now();
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < series; i++) {
      for (let j = 0; j < perSeries; j++) ms.send((i + j) % 97, { tags: tags[i], time: T0 + w * WINDOW_MS + j });
    }
    // Paced: window w-1's partials went out when window w began; they complete window w-2.
    // Wait for its aggregates before the next window, so that the delay measured is the
    // tier's own, not a backlog's.
    if (mode === 'paced' && w >= 2) {
      const deadline = Date.now() + 60_000;
      while (!lastOfWindow.has(T0 + (w - 1) * WINDOW_MS)) {
        if (Date.now() > deadline) throw new Error(`window ${w - 2} not emitted within 60 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }
  await ms.close();
  await forwarder.close();
  const edgeDone = performance.now();
  if (mode === 'apart') await merger.start();
  await merger.close({ flush: true });
  const done = performance.now();
  const partials = series * windows;
  if (elements !== partials * Object.keys(AGG).length) {
    throw new Error(`tier: ${elements} aggregates, expected ${partials * Object.keys(AGG).length}`);
  }
  // Window k is complete when the first partial of window k+1 is merged: its delay is from
  // window k+1's partials being handed to the forwarder to window k's last aggregate.
  const delays: number[] = [];
  for (let w = 0; w + 1 < windows; w++) {
    const completing = published.get(T0 + (w + 1) * WINDOW_MS) as number;
    const emitted = lastOfWindow.get(T0 + (w + 1) * WINDOW_MS) as number;
    delays.push(emitted - completing);
  }
  await nc.close();
  return {
    perSecond: partials / ((done - started) / 1000),
    edgePerSecond: partials / ((edgeDone - started) / 1000),
    mergePerSecond: partials / ((done - edgeDone) / 1000),
    delayMs: median(delays),
  };
}

/** The same job in one process: one MStream, aggregates read from its readable side. */
async function oneProcess({ series, windows, perSeries }: Sizes) {
  const ms = new MStream('lat', { agg: AGG, windowSize: WINDOW_MS / 1000, windowTime: 'event' });
  let elements = 0;
  const delays: number[] = [];
  let closedAt = 0;
  ms.on('window', () => {
    closedAt = performance.now();
  });
  ms.on('data', () => {
    elements++;
  });
  ms.on('window', () => queueMicrotask(() => delays.push(performance.now() - closedAt)));
  const tags = Array.from({ length: series }, (_, i) => ({ host: `h${i % 50}`, route: `/r${i}` }));
  const started = performance.now();
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < series; i++) {
      for (let j = 0; j < perSeries; j++) ms.send((i + j) % 97, { tags: tags[i], time: T0 + w * WINDOW_MS + j });
    }
  }
  await ms.close();
  const seconds = (performance.now() - started) / 1000;
  if (elements !== series * windows * Object.keys(AGG).length) throw new Error(`one process: ${elements} aggregates`);
  return { perSecond: (series * windows) / seconds, delayMs: median(delays) };
}

export const question: Question = {
  id: 'distribution',
  async run(settings: Settings): Promise<Row[]> {
    const sizes: Sizes = settings.quick
      ? { series: 200, windows: 5, perSeries: 5 }
      : { series: 2000, windows: 20, perSeries: 10 };
    const nats = await NatsServer.start();
    try {
      const runs = settings.quick ? 1 : 3;
      const together = [];
      const apart = [];
      const paced = [];
      let run = 0;
      for (let r = 0; r < runs; r++) {
        together.push(await tier(nats.url, run++, sizes, 'together'));
        apart.push(await tier(nats.url, run++, sizes, 'apart'));
        paced.push(await tier(nats.url, run++, { ...sizes, windows: 10 }, 'paced'));
      }
      const single = await oneProcess(sizes);
      const k = (x: number) => `${(x / 1000).toFixed(1)} k`;
      const figure = (xs: number[]) => `${k(median(xs))} partials/s (runs: ${xs.map((x) => k(x)).join(', ')})`;
      const kase = `${sizes.series} series × ${sizes.windows} windows, [sum,max,mean,p99 sketch], 8 partitions`;
      const baseline = `one process ${k(single.perSecond)} series-windows/s`;
      const row = (what: string, figureText: string, vs: string): Row => ({
        question: 'distribution',
        case: `${kase}: ${what}`,
        figure: figureText,
        baseline,
        vs,
        target: '',
        met: undefined,
      });
      const rate = median(together.map((x) => x.perSecond));
      return [
        row(
          'edge + merger in one process, together',
          figure(together.map((x) => x.perSecond)),
          `${(single.perSecond / rate).toFixed(0)}× slower`,
        ),
        row('edge alone (published and acknowledged)', figure(apart.map((x) => x.edgePerSecond)), ''),
        row('merger alone (a backlog worked off)', figure(apart.map((x) => x.mergePerSecond)), ''),
        {
          ...row(
            'paced, 10 windows',
            `completing partial → final aggregate ${median(paced.map((x) => x.delayMs)).toFixed(1)} ms (median; runs: ${paced.map((x) => x.delayMs.toFixed(0)).join(', ')} ms)`,
            '',
          ),
          baseline: `one process: window closed → aggregates ${single.delayMs.toFixed(2)} ms`,
        },
      ];
    } finally {
      await nats.cleanup();
    }
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const rows = await question.run({ quick } as Settings);
  for (const row of rows)
    console.log(`${row.case}\n  ${row.figure}\n  beside ${row.baseline}${row.vs ? ` (${row.vs})` : ''}`);
}
