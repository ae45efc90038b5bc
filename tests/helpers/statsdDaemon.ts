// The real Etsy StatsD daemon (npm statsd@0.9.0), installed on first use into a temporary folder
// (`npm install --omit=optional statsd@0.9.0`, never into the project), started on free
// 127.0.0.1 ports with a backend that prints every flush as one JSON line, stopped by PID.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './victoriaMetrics.js';

const DIR = join(tmpdir(), 'metrix-statsd-0.9.0');
const STATS_JS = join(DIR, 'node_modules/statsd/stats.js');

/**
 * Installs the daemon when missing; `false` when it is there, else why not (thrown under CI=true).
 * Test files run in parallel and may both find it missing: each installs into a folder of its own
 * and renames it into place, so a half-installed daemon is never seen and the loser's copy is
 * simply dropped.
 */
export async function installStatsD(): Promise<string | false> {
  if (existsSync(STATS_JS)) return false;
  const mine = `${DIR}.${process.pid}`;
  mkdirSync(mine, { recursive: true });
  try {
    await promisify(execFile)(
      'npm',
      ['install', '--prefix', mine, '--omit=optional', '--no-audit', '--no-fund', '--no-save', 'statsd@0.9.0'],
      { timeout: 120_000 },
    );
    try {
      renameSync(mine, DIR);
    } catch {
      // Another process put its copy in place first (the folder is not empty): use that one.
      rmSync(mine, { recursive: true, force: true });
    }
    if (!existsSync(STATS_JS)) throw new Error(`${STATS_JS} missing after the install`);
    return false;
  } catch (err) {
    rmSync(mine, { recursive: true, force: true });
    const reason = `could not install statsd@0.9.0: ${(err as Error).message.split('\n')[0]}`;
    if (process.env.CI === 'true') throw new Error(reason);
    return reason;
  }
}

/** The folder the daemon is installed in (backends and configs may be written there). */
export const STATSD_DIR = DIR;
/** The daemon's entry point. */
export const STATSD_JS = STATS_JS;

/** What the daemon hands its backends at one flush. */
export interface StatsDFlush {
  counters: Record<string, number>;
  timer_data: Record<string, Record<string, number>>;
  gauges: Record<string, number>;
}

export interface StatsDDaemon {
  /** The UDP port it listens on. */
  udpPort: number;
  /** Every flush so far. */
  flushes: StatsDFlush[];
  /** Resolves at the next flush; rejects when the daemon exits first. */
  nextFlush(): Promise<StatsDFlush>;
  /** Stops it by PID (SIGKILL: it holds no state we need) and waits for its exit. */
  stop(): Promise<void>;
}

/** A UDP port free on 127.0.0.1 now. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a daemon flushing every `flushMs`; resolves after its first flush (it is listening then). */
export async function startStatsD(flushMs: number): Promise<StatsDDaemon> {
  const udpPort = await freeUdpPort();
  const mgmt = await freePort();
  const backend = join(DIR, 'jsonBackend.js');
  writeFileSync(
    backend,
    `exports.init = function (startup, config, events) {
  events.on('flush', function (ts, m) {
    process.stdout.write(JSON.stringify({ counters: m.counters, timer_data: m.timer_data, gauges: m.gauges }) + '\\n');
  });
  return true;
};\n`,
  );
  const config = join(DIR, `sink-config-${process.pid}-${udpPort}.js`);
  writeFileSync(
    config,
    `{ port: ${udpPort}, address: '127.0.0.1', mgmt_port: ${mgmt}, mgmt_address: '127.0.0.1', flushInterval: ${flushMs},
  backends: [${JSON.stringify(backend)}] }\n`,
  );
  const child: ChildProcess = spawn(process.execPath, [STATS_JS, config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const flushes: StatsDFlush[] = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('{')) flushes.push(JSON.parse(line));
      for (const w of waiters.splice(0)) w();
    }
  });
  child.once('exit', () => {
    for (const w of waiters.splice(0)) w();
  });
  const nextFlush = async (): Promise<StatsDFlush> => {
    const seen = flushes.length;
    while (flushes.length === seen) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`statsd exited (${child.exitCode})`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    return flushes[flushes.length - 1] as StatsDFlush;
  };
  await nextFlush();
  return {
    udpPort,
    flushes,
    nextFlush,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    },
  };
}
