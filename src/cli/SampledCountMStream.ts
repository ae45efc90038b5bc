import { sum } from '../aggregators/builtins.js';
import { MElement } from '../MElement.js';
import { MStream, type MStreamOptions } from '../MStream.js';

/** The suffix of a companion stream's own name: no input name reaches it (see the router). */
const SUFFIX = '\u0000count';

/**
 * The companion of a StatsD timer, histogram or distribution stream created by the command: it
 * receives `1 / sampleRate` for each value of that metric and emits their sum per window as
 * `<name>.count` — the daemon's `count`, which counts a value sampled at 10 % ten times. The
 * value stream computes everything else (`mean`, `upper`, `sum`, …) from the raw values, as the
 * daemon does.
 *
 * Its own stream name is `<name>` + U+0000 + `count`, so that it can sit beside the value stream
 * in one coordinator; its output elements are renamed `<name>.count` as they leave it.
 */
export class SampledCountMStream extends MStream {
  /** The name of the metric it counts (its output is `<metric>.count`). */
  readonly metric: string;
  readonly #outputName: string;
  readonly #ownOutputName: string;

  constructor(metric: string, options: Omit<MStreamOptions, 'agg'>) {
    super(`${metric}${SUFFIX}`, { ...options, agg: { count: sum } });
    this.metric = metric;
    this.#outputName = `${metric}.count`;
    this.#ownOutputName = `${metric}${SUFFIX}.count`;
  }

  /** The stream name of the companion of `metric`. */
  static nameFor(metric: string): string {
    return `${metric}${SUFFIX}`;
  }

  // Every element a Readable emits passes through push(): renaming here is independent of how
  // the stream computes its aggregates.
  override push(chunk: unknown, encoding?: string): boolean {
    if (chunk instanceof MElement && chunk.name === this.#ownOutputName) {
      chunk = new MElement(this.#outputName, chunk.value, { tags: chunk.tags, time: chunk.time });
    }
    return super.push(chunk, encoding as BufferEncoding | undefined);
  }
}
