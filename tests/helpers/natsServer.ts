// Starts and stops a real `nats-server -js` for the distribution tests: one process per test
// file, on a free 127.0.0.1 port, with its JetStream store in a temporary directory; stopped by
// PID, never by name. `restart()` reuses the port and the store (file storage survives).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { trackDir, trackProcess, untrackDir } from './serverProcesses.js';
import { freePort } from './victoriaMetrics.js';

/** Path of the `nats-server` binary, or `undefined` when it is not installed. */
export const NATS_BINARY: string | undefined = findBinary('nats-server');

const INSTALL_HINT = 'apt-get install nats-server';

/**
 * `false` when nats-server can run; otherwise the reason to skip, which says how to install it.
 * In CI (`CI=true`) a missing server is a failure, never a skip: this throws.
 */
export function natsSkipReason(): string | false {
  if (NATS_BINARY !== undefined) return false;
  const reason = `nats-server is not installed: ${INSTALL_HINT} (Debian) to run the distribution tests`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  return reason;
}

function findBinary(name: string): string | undefined {
  // Debian installs it in /usr/sbin, which an unprivileged PATH may not list.
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A nats-server with JetStream and its store directory; `restart()` reuses both. */
export class NatsServer {
  readonly port: number;
  readonly dir: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  /** Starts a server and resolves once it accepts connections. */
  static async start(): Promise<NatsServer> {
    if (NATS_BINARY === undefined) throw new Error(`nats-server is not installed: ${INSTALL_HINT}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrix-nats-'));
    trackDir(dir);
    // A free port can be taken by someone else before the server binds it: try fresh ones.
    for (let attempt = 1; ; attempt++) {
      const server = new NatsServer(await freePort(), dir);
      try {
        await server.restart();
        return server;
      } catch (err) {
        if (attempt >= 3) {
          fs.rmSync(dir, { recursive: true, force: true });
          untrackDir(dir);
          throw err;
        }
      }
    }
  }

  /** The URL clients connect to. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** PID of the running server, or `undefined`. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  /** Starts the server (again) on the same port and store. */
  async restart(): Promise<void> {
    if (this.pid !== undefined) throw new Error('nats-server is already running');
    const logFile = path.join(this.dir, 'nats.log');
    // Readiness is read from what this start appends, not from an earlier start's lines.
    const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const log = fs.openSync(logFile, 'a');
    const child = spawn(
      NATS_BINARY as string,
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', path.join(this.dir, 'store')],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    trackProcess(child);
    this.#child = child;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${this.logTail()}`);
      if (Date.now() > deadline) {
        await this.stop('SIGKILL');
        throw new Error(`nats-server not ready within 15 s:\n${this.logTail()}`);
      }
      // JetStream is ready once the log says so; the port accepting alone is not enough.
      if ((await accepts(this.port)) && this.#logSince(logStart).includes('Server is ready')) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops the server by its PID and waits for it to exit. SIGTERM shuts it down gracefully. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Stops the server and removes its directory. */
  async cleanup(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
    untrackDir(this.dir);
  }

  #logSince(offset: number): string {
    return fs.readFileSync(path.join(this.dir, 'nats.log')).subarray(offset).toString('utf8');
  }

  /** The last lines of the server's log, for failure messages. */
  logTail(lines = 20): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'nats.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
