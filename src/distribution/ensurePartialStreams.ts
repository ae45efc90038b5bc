import { JetStreamApiError, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DistributionOptions } from './DistributionOptions.js';
import { resolveDistribution } from './resolveDistribution.js';

/** Options of {@link ensurePartialStreams}. */
export interface EnsurePartialStreamsOptions extends DistributionOptions {
  /**
   * How long, in ms, JetStream remembers a message ID to drop a repeat (default 10 minutes): the
   * longest an edge may go on retrying one partial (a NATS outage) and still not store it twice.
   */
  duplicateWindowMs?: number;
  /** How long, in ms, partials are kept (default 24 h, at least the duplicate window): the longest the merging tier may be down without losing them. */
  maxAgeMs?: number;
}

const NS = 1_000_000;
/** "stream name already in use with a different configuration". */
const STREAM_NAME_EXIST = 10058;

/**
 * Creates the tier's two JetStream streams when they do not exist, with file storage: the
 * partials (`<prefix>.partials.>`, limits retention, message IDs remembered for
 * `duplicateWindowMs`) and the merge progress (`<prefix>.merged.>`, the last message per
 * partition). Edges and merging processes call it when they start; creating the same
 * configuration twice is a no-op, and a stream that already exists with another configuration
 * is left as it is (an operator's settings win).
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node';
 * import { ensurePartialStreams } from 'metrix-stream/distribution';
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
 * await ensurePartialStreams(nc, { partitions: 8 });
 * ```
 */
export async function ensurePartialStreams(
  nc: NatsConnection,
  options: EnsurePartialStreamsOptions = {},
): Promise<void> {
  const { subjectPrefix, streamName } = resolveDistribution(options, 'ensurePartialStreams');
  const duplicateWindowMs = options.duplicateWindowMs ?? 600_000;
  const maxAgeMs = Math.max(options.maxAgeMs ?? 86_400_000, duplicateWindowMs);
  const jsm = await jetstreamManager(nc);
  await addOrKeep(() =>
    jsm.streams.add({
      name: streamName,
      subjects: [`${subjectPrefix}.partials.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: duplicateWindowMs * NS,
      max_age: maxAgeMs * NS,
    }),
  );
  await addOrKeep(() =>
    jsm.streams.add({
      name: `${streamName}_MERGED`,
      subjects: [`${subjectPrefix}.merged.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
    }),
  );
}

async function addOrKeep(add: () => Promise<unknown>): Promise<void> {
  try {
    await add();
  } catch (err) {
    // Another configuration is already there: it was set on purpose, so it is kept.
    if (err instanceof JetStreamApiError && err.code === STREAM_NAME_EXIST) return;
    throw err;
  }
}
