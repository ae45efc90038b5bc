import { createSocket, type RemoteInfo } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { MetrixError } from '../../MetrixError.js';
import { LineReader } from '../../parsers/LineReader.js';
import type { CliInput, InputContext } from './CliInput.js';
import { LineIngest } from './LineIngest.js';
import { udpDrops } from './udpDrops.js';

/** Options of {@link udpInput}. */
export interface UdpInputOptions {
  /** UDP port (0: any free one). */
  port: number;
  /** Address to bind to. */
  host: string;
  /** Receive buffer asked of the kernel, bytes. */
  recvBufferBytes: number;
}

/** The default receive buffer asked for: 8 MiB, room for bursts of ~100 000 small datagrams. */
export const DEFAULT_UDP_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * A StatsD listener over UDP (IPv4). Each datagram is parsed on its own — its last line needs no
 * newline, and a bad line is reported with the sender (`address:port`), its line number within
 * the datagram and the datagram itself — and its elements routed at once. Bad lines are always
 * skipped and counted: one bad packet must not stop a server.
 *
 * Nothing is lost silently. The socket asks the kernel for a `recvBufferBytes` receive buffer and
 * reports the size granted (Linux caps it at `net.core.rmem_max`). UDP has no backpressure: while
 * a stream is full, datagrams are dropped and counted (`dropped`); datagrams the kernel dropped
 * because the buffer was full are read from `/proc/net/udp{,6}` (`kernelDropped`, Linux only).
 * `stop()` closes the socket.
 *
 * Counts: `datagrams` received, `dropped` while behind, `kernelDropped` since the listener opened.
 */
export function udpInput(ctx: InputContext, options: UdpInputOptions): CliInput {
  const format = ctx.format('statsd');
  const reader = new LineReader(ctx.maxLineLength);
  const socket = createSocket('udp4');
  let datagrams = 0;
  let dropped = 0;
  let open = false;
  let stopping = false;
  let boundPort: number | undefined;
  /** The kernel's drop count when the listener opened: only later drops are ours. */
  let dropsAtStart = 0;
  let kernelDropped = 0;
  let current: { sender: string; datagram: Buffer; firstLine: number } | undefined;
  const ingest = new LineIngest(
    format,
    ctx.router,
    ctx.maxLineLength,
    (err) => {
      ctx.malformed('udp', fromDatagram(err));
      return true;
    },
    true,
  );
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  /** The parser's error restated for a datagram: sender, line within it, the datagram's text. */
  function fromDatagram(err: MetrixError): MetrixError {
    const { sender, datagram, firstLine } = current as NonNullable<typeof current>;
    const input = err.input as { line: number; text: string };
    const line = input.line - firstLine;
    const reason =
      err.cause instanceof Error
        ? err.cause.message
        : `the line is longer than ${ctx.maxLineLength} bytes (--max-line-length)`;
    const text = datagram.toString('utf8', 0, Math.min(datagram.length, 200));
    return new MetrixError(
      err.code,
      `${format.what}: datagram from ${sender}, line ${line}: ${reason}; datagram: ${JSON.stringify(text)}${datagram.length > 200 ? '…' : ''}`,
      { cause: err.cause ?? err, input: { sender, datagram: text, line, text: input.text } },
    );
  }

  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    datagrams++;
    if (ctx.router.backedUp) {
      dropped++;
      return;
    }
    current = { sender: `${rinfo.address}:${rinfo.port}`, datagram: msg, firstLine: reader.lineCount };
    // A datagram is whole: its last line ends with it, not with the next datagram's first.
    reader.write(msg, ingest);
    reader.end(ingest);
    current = undefined;
    if (ctx.router.backedUp) ctx.router.room();
  });

  function readDrops(): void {
    if (boundPort === undefined) return;
    const drops = udpDrops(boundPort);
    if (drops !== undefined) kernelDropped = Math.max(0, drops - dropsAtStart);
  }

  return {
    start() {
      return new Promise<AddressInfo | undefined>((resolve) => {
        socket.on('error', (err: Error) => {
          // Before it listens (a port in use) the command fails; afterwards an error of the socket
          // is reported, and the listener goes on: no network event ends the command.
          if (open) {
            ctx.log(`StatsD listener: ${err.message}`);
            return;
          }
          ctx.fail(err, 'StatsD listener');
          resolveDone();
          resolve(undefined);
        });
        socket.bind(options.port, options.host, () => {
          if (stopping) {
            // Stopped while binding: close at once instead of listening after the stop.
            socket.close(() => resolveDone());
            resolve(undefined);
            return;
          }
          open = true;
          const address = socket.address();
          boundPort = address.port;
          dropsAtStart = udpDrops(address.port) ?? 0;
          let buffer = '';
          try {
            socket.setRecvBufferSize(options.recvBufferBytes);
            buffer = `, receive buffer ${socket.getRecvBufferSize()} bytes (asked ${options.recvBufferBytes})`;
          } catch (err) {
            buffer = `, receive buffer not set: ${(err as Error).message}`;
          }
          ctx.log(`listening for StatsD on udp://${options.host}:${address.port}${buffer}`);
          resolve(address);
        });
      });
    },
    stop() {
      if (stopping) return;
      stopping = true;
      if (!open) return;
      open = false;
      readDrops();
      socket.close(() => resolveDone());
    },
    done,
    counts: () => {
      if (open) readDrops();
      return { datagrams, dropped, kernelDropped };
    },
  };
}
