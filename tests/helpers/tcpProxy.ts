// A tiny 127.0.0.1 TCP proxy that makes a backend slow: every chunk from the client reaches the
// server `delayMs` later (in order, end of input included), and `stall()` holds them all until
// `resume()`. Answers from the server pass straight through.
import net from 'node:net';

export class TcpProxy {
  /** Delay of each client → server chunk, in ms; may be changed at any time. */
  delayMs: number;
  /** Connections open right now, and the most that were ever open at once. */
  open = 0;
  maxOpen = 0;
  /** Connections accepted in all. */
  total = 0;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #stalled: Promise<void> | undefined;
  #resume: (() => void) | undefined;

  private constructor(server: net.Server, delayMs: number) {
    this.#server = server;
    this.delayMs = delayMs;
  }

  /** Starts a proxy on a free port in front of `127.0.0.1:targetPort`. */
  static async start(targetPort: number, delayMs = 0): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = net.createServer({ allowHalfOpen: true }, (client) => proxy.#connect(client, targetPort));
    proxy = new TcpProxy(server, delayMs);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Holds every client → server chunk until {@link resume}. */
  stall(): void {
    this.#stalled ??= new Promise((resolve) => {
      this.#resume = resolve;
    });
  }

  resume(): void {
    this.#resume?.();
    this.#stalled = undefined;
    this.#resume = undefined;
  }

  /** Closes the proxy and every connection through it. */
  async close(): Promise<void> {
    this.resume();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #connect(client: net.Socket, targetPort: number): void {
    this.total++;
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    const server = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
    this.#sockets.add(client);
    this.#sockets.add(server);
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) this.open--;
    };
    client.on('close', onClose);
    server.on('close', onClose);
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.on('close', () => {
      this.#sockets.delete(client);
      server.destroy();
    });
    server.on('close', () => {
      this.#sockets.delete(server);
      client.destroy();
    });
    // Client → server: delayed and stallable, order kept by one promise chain per connection.
    let chain = Promise.resolve();
    const later = (action: () => void) => {
      chain = chain.then(async () => {
        if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
        while (this.#stalled !== undefined) await this.#stalled;
        if (!server.destroyed) action();
      });
    };
    client.on('data', (chunk) => later(() => server.write(chunk)));
    client.on('end', () => later(() => server.end()));
    // Server → client: straight through.
    server.pipe(client);
  }
}
