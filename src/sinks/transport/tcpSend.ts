import net from 'node:net';
import { ErrorCode, MetrixError } from '../../MetrixError.js';

/** Where a line-protocol sink connects. */
export interface TcpTarget {
  host: string;
  port: number;
  /** Longest silence on the connection, in ms, before the attempt counts as failed. */
  timeoutMs: number;
  /** Names the sink and its target in error messages. */
  what: string;
}

/**
 * Sends `payload` over a new TCP connection and resolves once the server has read all of it.
 *
 * Plaintext protocols (Graphite, OpenTSDB telnet) never answer, so the acknowledgement is the
 * orderly close: the client writes the batch and half-closes (FIN); the server reads up to that
 * end of input and then closes its side. Its FIN arriving after all our bytes left Node means the
 * server read the whole batch (servers close a connection when its input ends; VictoriaMetrics
 * does, as the integration tests check). A refused connection, a reset, a close before all bytes were
 * handed to the kernel, or `timeoutMs` of silence rejects with `ERR_METRIX_BACKEND_UNAVAILABLE`,
 * and the batch is sent again whole: lines the server had already read before the failure are
 * then written twice (at-least-once).
 */
export function tcpSend(target: TcpTarget, payload: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const { host, port, timeoutMs, what } = target;
    let serverEnded = false;
    let failure: Error | undefined;
    const socket = net.connect({ host, port });
    const onAbort = () => socket.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy(new MetrixError(ErrorCode.BACKEND_UNAVAILABLE, `${what}: no progress within ${timeoutMs} ms`));
    });
    socket.on('connect', () => {
      socket.end(payload);
    });
    socket.on('data', () => {
      // These protocols have no answers; whatever the server says is discarded.
    });
    socket.on('end', () => {
      // Bytes still queued in Node cannot have been read: the server closed early.
      if (socket.writableLength > 0 || !socket.writableEnded) {
        failure ??= new MetrixError(
          ErrorCode.BACKEND_UNAVAILABLE,
          `${what}: the server closed the connection before the whole batch was sent`,
        );
      } else {
        serverEnded = true;
      }
    });
    socket.on('error', (err) => {
      failure ??= err;
    });
    socket.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      if (failure === undefined && serverEnded) return resolve();
      reject(
        failure ??
          new MetrixError(ErrorCode.BACKEND_UNAVAILABLE, `${what}: the connection closed without an orderly end`),
      );
    });
  });
}
