// RSS over the run: one sample a second, and the verdict "flat": after the warm-up, the largest
// RSS of the second half is within a bound of the largest of the first half. Maxima, not means:
// a leak raises the peak, while garbage collection makes single samples swing.

export interface RssSample {
  /** Seconds since the producer started. */
  readonly t: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** Samples `process.memoryUsage()` every `intervalMs` until `stop()`. */
export function sampleRss(intervalMs = 1000): { samples: RssSample[]; stop(): void } {
  const start = performance.now();
  const samples: RssSample[] = [];
  const take = () => {
    const { rss, heapUsed } = process.memoryUsage();
    samples.push({ t: (performance.now() - start) / 1000, rss, heapUsed });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return { samples, stop: () => clearInterval(timer) };
}

export interface RssVerdict {
  readonly ok: boolean;
  readonly text: string;
}

const MB = 1024 * 1024;

/**
 * Flat when `max(second half) ≤ max(first half) + max(pct % of it, mb MB)`, both halves taken
 * after `warmupS` and before `endS`; each half needs at least 3 samples.
 */
export function rssVerdict(
  samples: readonly RssSample[],
  warmupS: number,
  endS: number,
  pct: number,
  mb: number,
): RssVerdict {
  const middle = warmupS + (endS - warmupS) / 2;
  const first = samples.filter((s) => s.t >= warmupS && s.t < middle);
  const second = samples.filter((s) => s.t >= middle && s.t <= endS);
  if (first.length < 3 || second.length < 3) {
    return {
      ok: false,
      text: `too few samples after a ${warmupS} s warm-up (${first.length} + ${second.length}); run longer`,
    };
  }
  const peak = (xs: readonly RssSample[], f: (s: RssSample) => number) => Math.max(...xs.map(f));
  const max1 = peak(first, (s) => s.rss);
  const max2 = peak(second, (s) => s.rss);
  const allowed = Math.max((max1 * pct) / 100, mb * MB);
  const f = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
  const growth = max2 - max1;
  const text =
    `warm-up ${warmupS.toFixed(0)} s, then ${first.length} + ${second.length} samples: max RSS ${f(max1)} → ${f(max2)} ` +
    `(${growth >= 0 ? '+' : ''}${f(growth)}, ${((growth / max1) * 100).toFixed(1)} %; bound +${f(allowed)} = ` +
    `max(${pct} %, ${mb} MB)); max heap used ${f(peak(first, (s) => s.heapUsed))} → ${f(peak(second, (s) => s.heapUsed))}`;
  return { ok: growth <= allowed, text };
}
