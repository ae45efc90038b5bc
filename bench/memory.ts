// Question: how much memory does one long window take — 1 M, 5 M, 20 M elements into one
// one-hour window (windowSize 3600), 100 tag sets — beside an idle process that loaded the same
// code? Each case runs in its own child process; its peak RSS is the kernel's high-water mark
// (process.resourceUsage().maxRSS), its heap and buffers the highest heapUsed and arrayBuffers
// sampled while sending (typed arrays of kept values live outside the heap).
import { once } from 'node:events';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type AggFunc, count, MStream, max, mean, percentile, stdev, sum } from '../src/index.js';
import { mb, type Question, type Row } from './report.js';
import { intArg } from './settings.js';
import { isChildOf, runChild } from './timing.js';
import { makeTagSets, valueAt } from './workload.js';

const TAG_SETS = 100;
/** Elements between two yields to the event loop (and two memory samples). */
const YIELD_EVERY = 100_000;
const MOMENTS: readonly AggFunc[] = [sum, count, mean, max, stdev];

type Kind = 'idle' | 'moments' | 'sketch' | 'exact';

const labels: Record<Exclude<Kind, 'idle'>, string> = {
  moments: '[sum,count,mean,max,stdev]',
  sketch: '[sum,count,mean,max,stdev, p99 sketched]',
  exact: '[sum,count,mean,max,stdev, p99 exact]',
};

/**
 * `percentile(99, { sketch: true })`, or undefined while percentile() has no such option. A
 * percentile() without it ignores a second argument and would measure an exact p99 under the
 * sketch's name, so the option is looked for in its source (a crude test, stated as such).
 */
export function sketchedP99(): AggFunc | undefined {
  if (!String(percentile).includes('sketch')) return undefined;
  return (percentile as (p: number, options?: { sketch?: boolean }) => AggFunc)(99, { sketch: true });
}

function aggsOf(kind: Kind): AggFunc[] {
  if (kind === 'exact') return [...MOMENTS, percentile(99)];
  if (kind === 'sketch') {
    const p99 = sketchedP99();
    if (p99 === undefined) throw new Error('percentile(99, { sketch: true }) is not available yet');
    return [...MOMENTS, p99];
  }
  return [...MOMENTS];
}

/** What a memory child reports. */
interface MemoryResult {
  readonly kind: Kind;
  readonly n: number;
  /** Elements sent before the end, or before the RSS ceiling stopped the run. */
  readonly sent: number;
  readonly stoppedAtCeiling: boolean;
  readonly maxRssBytes: number;
  readonly peakHeapUsedBytes: number;
  readonly peakArrayBuffersBytes: number;
  readonly seconds: number;
}

/**
 * The child: sends `n` elements with send() in a loop that awaits setImmediate every
 * {@link YIELD_EVERY} (and `'drain'` when send() returns false), then close()s, checking the
 * outputs. Stops early, reporting it, when RSS passes `ceilingBytes`: the machine is shared.
 */
async function measure(kind: Kind, n: number, ceilingBytes: number): Promise<MemoryResult> {
  const aggs = aggsOf(kind);
  const sets = makeTagSets(TAG_SETS);
  const mstream = new MStream('bench', { agg: aggs, windowSize: 3600 });
  let outputs = 0;
  mstream.on('data', () => {
    outputs++;
  });
  let peakHeap = process.memoryUsage().heapUsed;
  let peakBuffers = process.memoryUsage().arrayBuffers;
  let sent = 0;
  let stoppedAtCeiling = false;
  const start = process.hrtime.bigint();
  while (sent < n) {
    const end = Math.min(n, sent + YIELD_EVERY);
    for (let i = sent; i < end; i++) {
      if (!mstream.send(valueAt(i), { tags: sets[i % TAG_SETS] })) await once(mstream, 'drain');
    }
    sent = end;
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    if (m.rss > ceilingBytes) {
      stoppedAtCeiling = true;
      break;
    }
    await yieldToLoop();
  }
  if (stoppedAtCeiling) mstream.destroy();
  else {
    await mstream.close();
    // One window, or two if the run crossed the top of an hour (windows are aligned to the clock).
    const perWindow = Math.min(TAG_SETS, n) * aggs.length;
    if (n > 0 && (outputs === 0 || outputs % perWindow !== 0 || outputs > 2 * perWindow)) {
      throw new Error(`memory ${kind}: ${outputs} outputs, expected ${perWindow} (or twice that)`);
    }
  }
  const last = process.memoryUsage();
  peakHeap = Math.max(peakHeap, last.heapUsed);
  peakBuffers = Math.max(peakBuffers, last.arrayBuffers);
  return {
    kind,
    n,
    sent,
    stoppedAtCeiling,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakHeapUsedBytes: peakHeap,
    peakArrayBuffersBytes: peakBuffers,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
  };
}

async function inChild(kind: Kind, n: number, ceilingMb: number): Promise<MemoryResult> {
  const out = await runChild(import.meta.url, [`--bench-memory=${kind}`, `--n=${n}`, `--rss-ceiling-mb=${ceilingMb}`]);
  return JSON.parse(out) as MemoryResult;
}

const millions = (n: number) => `${n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`}`;

export const question: Question = {
  id: 'memory',
  async run(settings) {
    const sketchThere = sketchedP99() !== undefined;
    // The idle figure varies by a few MB from run to run (the loader's own peak): the lower of two
    // idle children, one before the cases and one after, makes the allowance the stricter one.
    const idleBefore = await inChild('idle', 0, settings.rssCeilingMb);
    const runs: { n: number; kind: Exclude<Kind, 'idle'>; result: MemoryResult | undefined }[] = [];
    for (const n of settings.memorySizes) {
      for (const kind of ['moments', 'sketch', 'exact'] as const) {
        const skip = kind === 'sketch' && !sketchThere;
        runs.push({ n, kind, result: skip ? undefined : await inChild(kind, n, settings.rssCeilingMb) });
      }
    }
    const idleAfter = await inChild('idle', 0, settings.rssCeilingMb);
    const idle = Math.min(idleBefore.maxRssBytes, idleAfter.maxRssBytes);
    return runs.map(({ n, kind, result: r }): Row => {
      const allowance = kind === 'exact' ? 8 * n + 50e6 : 50e6;
      const base = {
        question: 'memory',
        case: `${millions(n)} el, 1 h window, ${TAG_SETS} tag sets, ${labels[kind]}`,
        baseline: `idle RSS ${mb(idle)}`,
        target: kind === 'exact' ? `≤ +8 B×N + 50 MB = +${mb(allowance)}` : '≤ +50 MB',
      };
      if (r === undefined) {
        return {
          ...base,
          figure: 'not run: percentile(99, { sketch: true }) not available yet',
          vs: '',
          met: undefined,
        };
      }
      const over = r.maxRssBytes - idle;
      return {
        ...base,
        figure: r.stoppedAtCeiling
          ? `stopped after ${millions(r.sent)} el: RSS > ${settings.rssCeilingMb} MB (--rss-ceiling-mb)`
          : `peak RSS ${mb(r.maxRssBytes)}, heap ${mb(r.peakHeapUsedBytes)}, buffers ${mb(r.peakArrayBuffersBytes)}, ${(n / r.seconds / 1e6).toFixed(2)} M el/s`,
        vs: `${over >= 0 ? '+' : '−'}${mb(Math.abs(over))}`,
        met: !r.stoppedAtCeiling && over <= allowance,
      };
    });
  },
};

if (isChildOf(import.meta.url)) {
  const kind = process.argv.find((a) => a.startsWith('--bench-memory='))?.slice('--bench-memory='.length) as Kind;
  measure(kind, intArg(process.argv, 'n', 0), intArg(process.argv, 'rss-ceiling-mb', 1024) * 1e6)
    .then((result) => process.stdout.write(JSON.stringify(result)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
