// Starts and stops a real VictoriaMetrics for the TSDB sink tests: one process per test file, on
// free 127.0.0.1 ports, in its own temporary directory; stopped by PID, never by name.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { trackDir, trackProcess, untrackDir } from './serverProcesses.js';

/** Path of the `victoria-metrics` binary, or `undefined` when it is not installed. */
export const VM_BINARY: string | undefined = findBinary('victoria-metrics');

const INSTALL_HINT = 'apt-get install victoria-metrics';

/**
 * `false` when VictoriaMetrics can run; otherwise the reason to skip, which says how to install
 * it. In CI (`CI=true`) a missing server is a failure, never a skip: this throws.
 */
export function vmSkipReason(): string | false {
  if (VM_BINARY !== undefined) return false;
  const reason = `victoria-metrics is not installed: ${INSTALL_HINT} (Debian) to run the TSDB integration tests`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  return reason;
}

function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
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

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The listeners of one VictoriaMetrics. */
export interface VmPorts {
  http: number;
  opentsdb: number;
  opentsdbHttp: number;
  graphite: number;
}

/** Free ports for every listener, to point sinks at a server that is not started yet. */
export async function reservePorts(): Promise<VmPorts> {
  return {
    http: await freePort(),
    opentsdb: await freePort(),
    opentsdbHttp: await freePort(),
    graphite: await freePort(),
  };
}

/** One series as `/api/v1/export` returns it (lines of one series merged, sorted by time). */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export interface VmOptions {
  /** Listener ports; free ones are picked when left out. */
  ports?: VmPorts;
  /** Extra command-line flags, e.g. `-dedup.minScrapeInterval=1ms`. */
  args?: string[];
  /** Contents of a `-promscrape.config` file. */
  promscrapeConfig?: string;
}

/** A VictoriaMetrics process with its data directory; `restart()` reuses both. */
export class VictoriaMetrics {
  readonly ports: VmPorts;
  readonly dir: string;
  readonly #args: string[];
  #child: ChildProcess | undefined;

  private constructor(ports: VmPorts, dir: string, args: string[]) {
    this.ports = ports;
    this.dir = dir;
    this.#args = args;
  }

  /** Starts a server and resolves once `/health` answers and every TCP listener accepts. */
  static async start(options: VmOptions = {}): Promise<VictoriaMetrics> {
    if (VM_BINARY === undefined) throw new Error(`victoria-metrics is not installed: ${INSTALL_HINT}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrix-vm-'));
    trackDir(dir);
    const args = [...(options.args ?? [])];
    if (options.promscrapeConfig !== undefined) {
      const file = path.join(dir, 'promscrape.yml');
      fs.writeFileSync(file, options.promscrapeConfig);
      args.push(`-promscrape.config=${file}`);
    }
    // Free ports can be taken by someone else before the server binds them: try fresh ones.
    for (let attempt = 1; ; attempt++) {
      const vm = new VictoriaMetrics(options.ports ?? (await reservePorts()), dir, args);
      try {
        await vm.restart();
        return vm;
      } catch (err) {
        if (options.ports !== undefined || attempt >= 3) {
          fs.rmSync(dir, { recursive: true, force: true });
          untrackDir(dir);
          throw err;
        }
      }
    }
  }

  /** Base URL of the main HTTP listener (Influx `/write`, export, Prometheus import). */
  get url(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  /** PID of the running server, or `undefined`. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  /** Starts the server (again) on the same ports and data directory. */
  async restart(): Promise<void> {
    if (this.pid !== undefined) throw new Error('VictoriaMetrics is already running');
    const p = this.ports;
    const log = fs.openSync(path.join(this.dir, 'vm.log'), 'a');
    const child = spawn(
      VM_BINARY as string,
      [
        `-storageDataPath=${path.join(this.dir, 'data')}`,
        '-retentionPeriod=100y',
        `-httpListenAddr=127.0.0.1:${p.http}`,
        `-opentsdbListenAddr=127.0.0.1:${p.opentsdb}`,
        `-opentsdbHTTPListenAddr=127.0.0.1:${p.opentsdbHttp}`,
        `-graphiteListenAddr=127.0.0.1:${p.graphite}`,
        '-search.latencyOffset=0s',
        '-search.disableCache',
        '-loggerLevel=WARN',
        ...this.#args,
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    trackProcess(child);
    this.#child = child;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`VictoriaMetrics exited with ${child.exitCode}:\n${this.logTail()}`);
      if (Date.now() > deadline) {
        await this.stop('SIGKILL');
        throw new Error(`VictoriaMetrics not ready within 15 s:\n${this.logTail()}`);
      }
      if ((await healthy(this.url)) && (await accepts(p.graphite)) && (await accepts(p.opentsdb))) return;
      await new Promise((r) => setTimeout(r, 25));
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

  /** The last lines of the server's log, for failure messages. */
  logTail(lines = 20): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'vm.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Makes everything ingested so far visible to queries. */
  async flush(): Promise<void> {
    const res = await fetch(`${this.url}/internal/force_flush`);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`force_flush: HTTP ${res.status}`);
  }

  /**
   * Every series matching the selector `match` with its raw samples between `startMs` and
   * `endMs`, after a flush. Lines of one series are merged and its samples sorted by time.
   */
  async export(match: string, startMs: number, endMs: number): Promise<ExportedSeries[]> {
    await this.flush();
    // Flushed data becomes searchable within ~100 ms (documented in the notes); asking twice,
    // until two answers agree, avoids reading a half-visible state.
    let previous = '';
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 60));
      const query = new URLSearchParams({ 'match[]': match, start: String(startMs / 1000), end: String(endMs / 1000) });
      const res = await fetch(`${this.url}/api/v1/export?${query}`);
      const raw = await res.text();
      if (!res.ok) throw new Error(`export: HTTP ${res.status}: ${raw}`);
      // The order of series varies between answers: compare the sorted lines.
      const text = raw.split('\n').sort().join('\n');
      if (text === previous) return mergeExport(text);
      previous = text;
    }
    return mergeExport(previous);
  }
}

function mergeExport(text: string): ExportedSeries[] {
  const byKey = new Map<string, ExportedSeries>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const s = JSON.parse(line) as {
      metric: Record<string, string>;
      values: Array<number | null>;
      timestamps: number[];
    };
    const key = JSON.stringify(Object.entries(s.metric).sort());
    let merged = byKey.get(key);
    if (merged === undefined) {
      merged = { metric: s.metric, values: [], timestamps: [] };
      byKey.set(key, merged);
    }
    s.values.forEach((v, i) => {
      (merged as ExportedSeries).values.push(v === null ? Number.NaN : v);
      (merged as ExportedSeries).timestamps.push(s.timestamps[i] as number);
    });
  }
  for (const s of byKey.values()) {
    const order = s.timestamps
      .map((_, i) => i)
      .sort((a, b) => (s.timestamps[a] as number) - (s.timestamps[b] as number));
    s.values = order.map((i) => s.values[i] as number);
    s.timestamps = order.map((i) => s.timestamps[i] as number);
  }
  return [...byKey.values()];
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`);
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
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
