// A fast producer and a slow sink: with pipeline(), the producer is paused whenever the sink falls
// behind, so the number of elements in flight — and memory — stays bounded however much is sent.
// For contrast, the same load written while ignoring write()'s `false` piles up in buffers.
// Run: npx tsx examples/backpressure.ts — it prints the figures of both runs.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MCoordinator, type MElement, MSink, MStream, sum } from '../src/index.js';

/** A sink that takes a millisecond's nap every `every` elements: a slow disk or database. */
class SlowSink extends MSink {
  received = 0;
  readonly #napEvery: number;
  constructor(napEvery: number) {
    super({ highWaterMark: 16 });
    this.#napEvery = napEvery;
  }
  protected handle(_element: MElement): Promise<void> | undefined {
    this.received++;
    if (this.received % this.#napEvery !== 0) return undefined;
    return new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Figures of one run. */
export interface BackpressureFigures {
  produced: number;
  aggregates: number;
  /** Most elements produced but not yet aggregated and handed to the sink, at any sample. */
  maxInFlight: number;
  /** Heap growth at its highest during the run, in MiB. */
  maxHeapGrowthMiB: number;
  seconds: number;
}

// Live heap only, not garbage waiting for collection: collect before each heap sample.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TAGS = ['a', 'b', 'c', 'd', 'e'].map((host) => ({ host }));
const BATCH = 10;

/**
 * Sends `n` elements as fast as the pipeline lets it (`honour: true`, through `pipeline()`), or
 * as fast as it can regardless (`honour: false`, calling `write()` in a loop), into a
 * coordinator whose one stream sums batches of 10 per host into a slow sink.
 */
export async function runBackpressure(n: number, honour: boolean, napEvery = 50): Promise<BackpressureFigures> {
  const sink = new SlowSink(napEvery);
  const mc = new MCoordinator({ mstreams: [new MStream('work', { agg: sum, batchSize: BATCH })], msinks: [sink] });
  gc();
  const heapStart = process.memoryUsage().heapUsed;
  let produced = 0;
  let maxInFlight = 0;
  let maxHeap = heapStart;
  const sample = () => {
    // Each aggregate stands for BATCH / (hosts per batch) = 2 elements: 10 elements, 5 hosts.
    maxInFlight = Math.max(maxInFlight, produced - sink.received * (BATCH / TAGS.length));
  };
  const sampleHeap = () => {
    gc();
    maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
  };
  const sampler = setInterval(() => {
    sample();
    sampleHeap();
  }, 100);
  const started = performance.now();
  if (honour) {
    function* elements() {
      for (let i = 0; i < n; i++) {
        produced++;
        if (produced % 1000 === 0) sample();
        yield { name: 'work', value: 1, tags: TAGS[i % TAGS.length] };
      }
    }
    await pipeline(Readable.from(elements()), mc);
  } else {
    for (let i = 0; i < n; i++) {
      produced++;
      mc.write({ name: 'work', value: 1, tags: TAGS[i % TAGS.length] }); // `false` ignored
      if (produced % 1000 === 0) sample();
    }
    sample();
    sampleHeap(); // everything is queued now: the peak
    await mc.close();
  }
  clearInterval(sampler);
  return {
    produced,
    aggregates: sink.received,
    maxInFlight,
    maxHeapGrowthMiB: (maxHeap - heapStart) / 2 ** 20,
    seconds: (performance.now() - started) / 1000,
  };
}

function show(label: string, f: BackpressureFigures): void {
  console.log(
    `${label}: ${f.produced} elements → ${f.aggregates} aggregates in ${f.seconds.toFixed(2)} s; ` +
      `at most ${f.maxInFlight} elements in flight (${((100 * f.maxInFlight) / f.produced).toFixed(2)} %), ` +
      `heap growth at most ${f.maxHeapGrowthMiB.toFixed(1)} MiB`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = 100_000;
  show('honouring backpressure (pipeline)', await runBackpressure(n, true));
  show('ignoring write() === false       ', await runBackpressure(n, false));
}
