import type { StateJSON } from '../aggregators/Aggregator.js';
import type { Tags } from '../Tags.js';

/**
 * What an edge publishes for one series of one closed window: the series' mergeable states (one
 * per state kind its stream keeps, in their plain-JSON form), with the window, the stream, the
 * source that wrote it and that source's sequence number. One message carries every state kind
 * of the series, so a window costs one message per series, not one per aggregation.
 *
 * Published as the JSON body of a JetStream message on
 * `<subjectPrefix>.partials.<partition>.<stream>` with the message ID {@link partialMsgId}.
 */
export interface PartialMessage {
  /** Version of the form; 1 for everything this version writes. */
  readonly v: 1;
  /** The edge's source id (one per process incarnation whose output it names). */
  readonly source: string;
  /** The edge's sequence number of this message, from 1 (per forwarder, in publish order). */
  readonly seq: number;
  /** The MStream's name. */
  readonly stream: string;
  /** Start of the window (inclusive), ms since the epoch. */
  readonly start: number;
  /** End of the window (exclusive), ms since the epoch. */
  readonly end: number;
  /** The series' tag key, `keyFromTags(tags)`. */
  readonly key: string;
  /** The series' tags. */
  readonly tags: Tags;
  /** One state per kind the edge's stream keeps, as `kind.toJSON(state)` wrote it. */
  readonly states: readonly StateJSON[];
}
