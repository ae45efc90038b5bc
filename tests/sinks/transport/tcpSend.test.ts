import net from 'node:net';
import t from 'tap';
import { ErrorCode } from '../../../src/MetrixError.js';
import { type TcpTarget, tcpSend } from '../../../src/sinks/transport/tcpSend.js';
import { freePort } from '../../helpers/victoriaMetrics.js';

/** What the helpers need of a test. */
type Teardown = { teardown(fn: () => unknown): void };

/** A local TCP server that handles each connection with `onConnection`; returns its port. */
async function server(t: Teardown, onConnection: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        s.close(() => resolve());
      }),
  );
  return (s.address() as net.AddressInfo).port;
}

const target = (port: number, timeoutMs = 5000): TcpTarget => ({
  host: '127.0.0.1',
  port,
  timeoutMs,
  what: 'MSinkX(test)',
});
const signal = () => new AbortController().signal;

t.test('tcpSend: resolves when the server has read everything and closed its side', async (t) => {
  let got = '';
  const port = await server(t, (socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (got += c));
    socket.on('end', () => setTimeout(() => socket.end(), 30)); // like carbon: close after EOF
  });
  const payload = `${'a.b 1 1700000000\n'.repeat(10_000)}`;
  await tcpSend(target(port), payload, signal());
  t.equal(got, payload, 'every byte arrived before the acknowledgement');
});

t.test('tcpSend: a refused connection rejects with the system error', async (t) => {
  await t.rejects(tcpSend(target(await freePort()), 'x\n', signal()), { code: 'ECONNREFUSED' });
});

t.test('tcpSend: a server that never closes is a timeout (ERR_METRIX_BACKEND_UNAVAILABLE)', async (t) => {
  const port = await server(t, (socket) => socket.resume());
  await t.rejects(tcpSend(target(port, 100), 'x\n', signal()), {
    code: ErrorCode.BACKEND_UNAVAILABLE,
    message: /no progress within 100 ms/,
  });
});

t.test('tcpSend: a reset before the server read everything rejects', async (t) => {
  const port = await server(t, (socket) => {
    socket.once('data', () => socket.resetAndDestroy());
  });
  await t.rejects(tcpSend(target(port), 'x'.repeat(4_000_000), signal()));
});

t.test('tcpSend: a server that closes at once, reading nothing, is not an acknowledgement', async (t) => {
  const port = await server(t, (socket) => socket.destroy());
  const err = await tcpSend(target(port), 'x'.repeat(4_000_000), signal()).catch((e: Error) => e);
  t.type(err, Error, `rejected: ${(err as Error)?.message}`);
});

t.test('tcpSend: aborting the signal destroys the connection', async (t) => {
  const port = await server(t, (socket) => socket.resume());
  const ac = new AbortController();
  const p = tcpSend(target(port), 'x\n', ac.signal);
  setTimeout(() => ac.abort(), 20);
  await t.rejects(p, { code: ErrorCode.BACKEND_UNAVAILABLE, message: /without an orderly end/ });
});
