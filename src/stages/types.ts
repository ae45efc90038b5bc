import type { MElement, Tags } from '../MElement.js';

/**
 * What {@link windowByTime} and {@link batchByCount} emit: the elements of one window or batch,
 * in arrival order. A time window also carries `time`, the window's end in milliseconds since the
 * epoch, which stamps its aggregates; a count batch has none, and its aggregates are stamped with
 * the time of its last element.
 */
export type ElementBatch = MElement[] & { time?: number };

/** Options every stage accepts. */
export interface StageOptions {
  /** Buffer size of each side, in objects (default: 16, Node's object-mode default). */
  highWaterMark?: number;
}

/**
 * The elements of one batch that share one tag set (one key), in arrival order.
 * Built by {@link groupByKey}; read by {@link aggregate}.
 */
export class ElementGroup {
  /** The shared key (see {@link keyFromTags}). */
  readonly key: string;
  /** The shared tags. */
  readonly tags: Tags;
  /** The group's elements, in arrival order. */
  readonly elements: MElement[];
  #values: number[] | undefined;

  constructor(key: string, tags: Tags, elements: MElement[]) {
    this.key = key;
    this.tags = tags;
    this.elements = elements;
  }

  /** The elements' values, in arrival order; computed once and shared by every aggregation. */
  get values(): readonly number[] {
    if (this.#values === undefined) {
      const els = this.elements;
      const values = new Array<number>(els.length);
      for (let i = 0; i < els.length; i++) values[i] = (els[i] as MElement).value;
      this.#values = values;
    }
    return this.#values;
  }
}

/** What {@link groupByKey} emits for one batch: its groups in first-seen order and its time stamp. */
export interface GroupedElements {
  /** Milliseconds since the epoch that the batch's aggregates carry. */
  readonly time: number;
  /** One group per distinct key, in the order each key was first seen in the batch. */
  readonly groups: readonly ElementGroup[];
}
