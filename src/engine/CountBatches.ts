import { Accumulation } from './Accumulation.js';
import type { AggregationPlan } from './AggregationPlan.js';
import type { Series } from './Series.js';
import type { Windowing, WindowListener } from './Windowing.js';

/**
 * Batches of `size` successive values. A batch closes when it holds `size` values, or at end of
 * input with the rest. Its time stamp is the time its last element carried, or, for values sent
 * without a time, the time it was completed (read from the clock then, once per batch).
 */
export class CountBatches implements Windowing {
  readonly #plan: AggregationPlan;
  readonly #size: number;
  readonly #emit: WindowListener;
  #acc: Accumulation;
  #lastTime: number | undefined;

  constructor(plan: AggregationPlan, size: number, emit: WindowListener) {
    this.#plan = plan;
    this.#size = size;
    this.#emit = emit;
    this.#acc = new Accumulation(plan);
  }

  add(series: Series, value: number, time: number | undefined): void {
    const acc = this.#acc;
    acc.add(series, value);
    this.#lastTime = time;
    if (acc.count === this.#size) this.#close();
  }

  flush(): void {
    if (this.#acc.count > 0) this.#close();
  }

  flushNow(): void {
    this.flush();
  }

  destroy(): void {}

  #close(): void {
    const full = this.#acc;
    this.#acc = new Accumulation(this.#plan);
    this.#emit(full.close(this.#lastTime ?? Date.now()));
  }
}
