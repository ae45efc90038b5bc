// Question: how fast does the built command aggregate a file — 5 M NDJSON lines, and as many
// StatsD lines — beside the floor of reading the same file with readline and parsing each line
// (JSON.parse; split)? Each run is a child process, timed by wall clock, command and floor
// alternating; the files are generated into a temporary directory and removed at the end.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type Question, type Row, times } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMMAND = path.join(ROOT, 'dist/src/cli/main.js');
const FLOOR = fileURLToPath(new URL('./cliFloor.mjs', import.meta.url));

// As in examples/data/news.ndjson: a few metric names, a `section` tag, a time 37 s apart.
const NAMES = ['articles', 'words', 'latency', 'bytes'];
const SECTIONS = ['sports', 'tech', 'politics', 'business', 'science'];
const START_MS = 1704067200000;

function metricValue(name: string, i: number): number {
  if (name === 'articles') return 1;
  if (name === 'words') return 200 + ((i * 37) % 1500);
  if (name === 'latency') return ((i * 13) % 500) + 0.5;
  return (i * 7919) % 65536;
}

/** Writes `lines` deterministic lines made by `line(i)` to `file`, in chunks. */
function generate(file: string, lines: number, line: (i: number) => string): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = '';
    for (let i = 0; i < lines; i++) {
      chunk += line(i);
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

const ndjsonLine = (i: number) => {
  const name = NAMES[i % NAMES.length] as string;
  const section = SECTIONS[Math.floor(i / NAMES.length) % SECTIONS.length] as string;
  return `{"name":"${name}","value":${metricValue(name, i)},"tags":{"section":"${section}"},"time":${START_MS + 37_000 * Math.floor(i / NAMES.length)}}\n`;
};

const statsdLine = (i: number) => {
  const name = NAMES[i % NAMES.length] as string;
  const section = SECTIONS[Math.floor(i / NAMES.length) % SECTIONS.length] as string;
  return `${name}:${metricValue(name, i)}|ms|#section:${section}\n`;
};

/** Runs `node args…` to its end; resolves with its wall time in seconds. Rejects on a non-zero exit. */
function timeProcess(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`node ${args.join(' ')} exited with ${signal ?? code}:\n${stderr.slice(0, 2000)}`));
    });
  });
}

/** `npm run build`, so that the command timed is the code checked out. */
function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', 'build', '--silent'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else if (existsSync(COMMAND)) {
        // tsc still emits when it reports type errors; the bench goes on with what was emitted.
        console.error(`bench cli: npm run build exited with ${code}; timing the dist/ it left:\n${out.slice(0, 2000)}`);
        resolve();
      } else reject(new Error(`npm run build exited with ${code} and left no ${COMMAND}:\n${out.slice(0, 2000)}`));
    });
  });
}

export const question: Question = {
  id: 'cli',
  async run(settings) {
    if (settings.build) await build();
    if (!existsSync(COMMAND)) throw new Error(`no ${COMMAND}: run npm run build (or drop --no-build)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metrix-bench-'));
    try {
      const formats = [
        {
          id: 'ndjson',
          file: path.join(dir, 'metrics.ndjson'),
          line: ndjsonLine,
          flags: [],
          floor: 'readline + JSON.parse',
        },
        {
          id: 'statsd',
          file: path.join(dir, 'metrics.statsd'),
          line: statsdLine,
          flags: ['--format', 'statsd'],
          floor: 'readline + split',
        },
      ];
      const rows: Row[] = [];
      for (const f of formats) {
        generate(f.file, settings.cliLines, f.line);
        const command = [COMMAND, ...f.flags, '--output', 'none', '--no-progress', f.file];
        const floor = [FLOOR, f.id, f.file];
        const commandSeconds: number[] = [];
        const floorSeconds: number[] = [];
        for (let r = 0; r < settings.cliRounds; r++) {
          // Alternating which runs first, so neither always runs on a warmer page cache.
          if (r % 2 === 0) floorSeconds.push(await timeProcess(floor));
          commandSeconds.push(await timeProcess(command));
          if (r % 2 === 1) floorSeconds.push(await timeProcess(floor));
        }
        const ratio = median(floorSeconds.map((s, r) => s / (commandSeconds[r] as number)));
        const perSec = (s: number) => `${(settings.cliLines / s / 1e6).toFixed(2)} M lines/s`;
        rows.push({
          question: 'cli',
          case: `${settings.cliLines / 1e6} M ${f.id} lines, default streams (10 s windows), --output none`,
          figure: `${median(commandSeconds).toFixed(2)} s, ${perSec(median(commandSeconds))}`,
          baseline: `${f.floor} ${median(floorSeconds).toFixed(2)} s`,
          vs: times(ratio),
          target: '≥ 0.60×',
          met: ratio >= 0.6,
        });
        rmSync(f.file);
      }
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
