import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import { PartialForwarder } from '../distribution/PartialForwarder.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { MStream } from '../MStream.js';

/** What `--forward` adds to the command's configuration. */
export interface ForwardMode {
  /** The NATS server, `nats://host:port`. */
  url: string;
  /** This process's source id (default `<host>:<pid>:<start time>`: one per incarnation). */
  source?: string;
  /** Partitions of the tier (default 8): the same on every edge and merger. */
  partitions?: number;
}

/** A running `--forward`: see {@link startForwarding}. */
export interface Forwarding {
  /** Publishes the partials of every window `mstream` closes. @throws `ERR_METRIX_INVALID_ARGUMENT` for a stream of batches. */
  attach(mstream: MStream): void;
  /** Waits until every partial is acknowledged, then closes the connection. */
  close(): Promise<void>;
}

/**
 * The command's edge mode (`--forward nats://…`): besides its own sinks, the command publishes
 * each closed window's partial states to JetStream for a merging tier (`--merge`). Connects in
 * the background (windows closed meanwhile are queued) and reconnects forever; a failed publish
 * is retried and reported on `log` (the first of each run, and the count at the end); a
 * connection that cannot be made goes to `fail`. The NATS clients are loaded only here.
 */
export function startForwarding(
  mode: ForwardMode,
  log: (message: string) => void,
  fail: (err: Error) => void,
): Forwarding {
  const connection: Promise<NatsConnection> = import('@nats-io/transport-node').then(
    ({ connect }) => connect({ servers: mode.url, maxReconnectAttempts: -1, noAsyncTraces: true }),
    (err: Error) => {
      throw new Error(
        `--forward needs the NATS clients: npm install @nats-io/transport-node @nats-io/jetstream (${err.message})`,
      );
    },
  );
  const forwarder = new PartialForwarder(connection, {
    source: mode.source ?? `${hostname()}:${process.pid}:${Date.now()}`,
    ...(mode.partitions === undefined ? {} : { partitions: mode.partitions }),
  });
  let retries = 0;
  forwarder.on('retry', (err: MetrixError) => {
    if (retries++ === 0) log(`forward: ${err.message}: ${(err.cause as Error | undefined)?.message ?? ''}`);
  });
  forwarder.on('error', fail);
  return {
    attach: (mstream) => {
      // Checked when the stream is built, not at its first window: only time windows line up
      // across processes.
      if (mstream.windowSize === undefined) {
        throw new MetrixError(
          ErrorCode.INVALID_ARGUMENT,
          `--forward needs windows: stream "${mstream.name}" makes batches`,
          { input: mstream.name },
        );
      }
      forwarder.attach(mstream);
    },
    close: async () => {
      try {
        await forwarder.close();
        if (retries > 1) log(`forward: ${retries} publishes were tried again; every partial was acknowledged`);
      } finally {
        const nc = await connection.catch(() => undefined);
        await nc?.close();
      }
    },
  };
}
