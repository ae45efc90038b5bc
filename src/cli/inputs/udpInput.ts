import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { MetrixError } from '../../MetrixError.js';
import type { CliInput, InputContext } from './CliInput.js';

/** Options of {@link udpInput}. */
export interface UdpInputOptions {
  /** UDP port (0: any free one). */
  port: number;
  /** Address to bind to. */
  host: string;
}

const NEWLINE = Buffer.from('\n');

/**
 * A StatsD listener over UDP (IPv4). Bad lines are always skipped and counted: one bad packet
 * must not stop a server. UDP has no backpressure: while the pipeline is behind, datagrams are
 * dropped and counted, as a full socket buffer would. `stop()` closes the socket.
 *
 * Counts: `datagrams` received, `dropped` datagrams.
 */
export function udpInput(ctx: InputContext, options: UdpInputOptions): CliInput {
  const parser = ctx.makeParser('statsd', 'skip');
  const socket = createSocket('udp4');
  let datagrams = 0;
  let dropped = 0;
  let open = false;
  let stopping = false;
  const done = new Promise<void>((resolve) => parser.once('close', resolve));
  parser.on('malformed', (err: MetrixError) => ctx.malformed('udp', err));
  parser.on('error', (err: Error) => ctx.fail(err, 'udp'));
  parser.pipe(ctx.target as never, { end: false });
  socket.on('message', (msg: Buffer) => {
    datagrams++;
    if (parser.writableNeedDrain) {
      dropped++;
      return;
    }
    parser.write(msg.length > 0 && msg[msg.length - 1] === 0x0a ? msg : Buffer.concat([msg, NEWLINE]));
  });

  return {
    start() {
      return new Promise<AddressInfo | undefined>((resolve) => {
        socket.once('error', (err: Error) => {
          ctx.fail(err, 'StatsD listener');
          parser.stop();
          resolve(undefined);
        });
        socket.bind(options.port, options.host, () => {
          if (stopping) {
            // Stopped while binding: close at once instead of listening after the stop.
            socket.close();
            resolve(undefined);
            return;
          }
          open = true;
          const address = socket.address();
          ctx.log(`listening for StatsD on udp://${options.host}:${address.port}`);
          resolve(address);
        });
      });
    },
    stop() {
      stopping = true;
      if (open) socket.close();
      open = false;
      parser.stop();
    },
    done,
    counts: () => ({ datagrams, dropped }),
  };
}
