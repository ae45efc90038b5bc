/**
 * metrix-stream/distribution: two-tier aggregation over NATS JetStream. Edges publish the
 * mergeable state of each closed window ({@link PartialForwarder}); merging processes combine
 * them per (window, stream, series) and emit the final aggregates ({@link PartialMerger}).
 * A separate entry so that the main one never imports the NATS clients, which are optional peer
 * dependencies: install `@nats-io/transport-node` and `@nats-io/jetstream` to use it.
 * @module
 */
export type { DistributionOptions } from './DistributionOptions.js';
export { decodePartial } from './decodePartial.js';
export { type EnsurePartialStreamsOptions, ensurePartialStreams } from './ensurePartialStreams.js';
export {
  PartialForwarder,
  type PartialForwarderCloseOptions,
  type PartialForwarderOptions,
  type PartialForwarderStats,
} from './PartialForwarder.js';
export {
  PartialMerger,
  type PartialMergerCloseOptions,
  type PartialMergerOptions,
  type PartialMergerStats,
} from './PartialMerger.js';
export type { PartialMessage } from './PartialMessage.js';
export { partialMsgId } from './partialMsgId.js';
export { mergedSubject, partialSubject, partitionFilter } from './partialSubject.js';
export { partitionOf } from './partitionOf.js';
export { windowPartials } from './windowPartials.js';
