// The two tiers end to end, against a real nats-server -js: 3 edge processes with overlapping
// tag sets and 2 merging processes give the aggregates one process gives for the union of the
// input; a merging process SIGKILLed mid-stream and restarted, and the NATS server stopped and
// restarted mid-stream, lose nothing and count nothing twice.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { type MElement, MStream } from '../../src/index.js';
import { DIST_AGG, edgePoints, SKETCH_ALPHA } from '../helpers/distributionData.js';
import { NatsServer, natsSkipReason } from '../helpers/natsServer.js';

const fixture = fileURLToPath(new URL('../fixtures/distribution-node.ts', import.meta.url));
const skip = natsSkipReason();
const WINDOWS = 12;
const EDGES = 3;

/** A fixture process, its stdout as lines, and a deadline-bound wait on them. */
class Node {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly #waiters = new Set<() => void>();
  stderr = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout?.on('data', (d) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop() as string;
      this.lines.push(...parts);
      for (const w of this.#waiters) w();
    });
    this.child.stderr?.on('data', (d) => (this.stderr += d));
    this.child.on('exit', () => {
      for (const w of this.#waiters) w();
    });
  }

  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Resolves with the first line from `from` on that `test` accepts; rejects at the deadline. */
  line(test: (line: string) => boolean, what: string, from = 0, ms = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.slice(from).find(test);
        if (found !== undefined) return finish(() => resolve(found));
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish(() => reject(new Error(`${what}: the process exited (${this.child.exitCode}):\n${this.stderr}`)));
        }
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`timed out waiting for ${what}:\n${this.stderr}`))),
        ms,
      );
      const finish = (f: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        f();
      };
      this.#waiters.add(check);
      check();
    });
  }

  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The same job in one process: the union of every edge's input. */
async function singleProcess(): Promise<Map<string, number>> {
  const ms = new MStream('latency', { agg: DIST_AGG, windowSize: 1, windowTime: 'event' });
  const out = new Map<string, number>();
  ms.on('data', (el: MElement) => out.set(keyOf(el.name, el.tags, el.time), el.value));
  for (let w = 0; w < WINDOWS; w++) {
    for (let e = 0; e < EDGES; e++) for (const p of edgePoints(e, w)) ms.send(p.value, { tags: p.tags, time: p.time });
  }
  await ms.close();
  return out;
}

function keyOf(name: string, tags: Record<string, string>, time: number): string {
  return JSON.stringify([name, Object.entries(tags).sort(), time]);
}

function exactP99(): Map<string, number> {
  // Exact nearest-rank p99 of the union per (window, tags): the sketch's reference.
  const groups = new Map<string, number[]>();
  for (let w = 0; w < WINDOWS; w++) {
    for (let e = 0; e < EDGES; e++) {
      for (const p of edgePoints(e, w)) {
        const key = keyOf('latency.p99s', p.tags, 1_700_000_000_000 + (w + 1) * 1000);
        const g = groups.get(key) ?? [];
        groups.set(key, g);
        g.push(p.value);
      }
    }
  }
  const out = new Map<string, number>();
  for (const [key, values] of groups) {
    values.sort((a, b) => a - b);
    // The rank the sketched percentile reads: nearest rank max(1, round(p × n)).
    out.set(key, values[Math.max(1, Math.round(0.99 * values.length)) - 1] as number);
  }
  return out;
}

t.test(
  'distribution: 3 edges + 2 mergers equal one process; a merger SIGKILLed and NATS restarted lose nothing, count nothing twice',
  { skip },
  async (t) => {
    const nats = await NatsServer.start();
    const nodes: Node[] = [];
    const spawnNode = (args: string[]) => {
      const n = new Node([args[0] as string, nats.url, ...args.slice(1)]);
      nodes.push(n);
      return n;
    };
    t.teardown(async () => {
      for (const n of nodes) n.kill();
      await nats.cleanup();
    });

    const edges = Array.from({ length: EDGES }, (_, e) => spawnNode(['edge', `edge-${e}`, String(e)]));
    let mergerA = spawnNode(['merge', '0,2,4,6']);
    const mergerB = spawnNode(['merge', '1,3,5,7']);
    await Promise.all([mergerA, mergerB].map((m) => m.line((l) => l === 'started', 'a merger to start')));

    // The edges advance in lockstep, one window per step; each step waits until every edge's
    // partials are acknowledged, so the mergers' watermark (2 windows of delay) never passes a
    // partial still to come.
    const step = async (k: number) => {
      const from = edges.map((e) => e.lines.length);
      for (const e of edges) e.send(`upto ${k}`);
      await Promise.all(
        edges.map((e, i) => e.line((l) => l.startsWith(`at ${k} `), `edge ${i} at ${k}`, from[i], 30_000)),
      );
    };
    const outputs: Node[] = [mergerB];
    for (let k = 1; k <= WINDOWS; k++) {
      if (k === 6) {
        // Merger A has emitted windows by now; it dies without a chance to ack anything more.
        await mergerA.line((l) => l.startsWith('el '), 'merger A to emit a window');
        mergerA.kill();
        await mergerA.exited();
        outputs.push(mergerA);
      }
      if (k === 8) {
        mergerA = spawnNode(['merge', '0,2,4,6']);
        await mergerA.line((l) => l === 'started', 'merger A to start again');
      }
      if (k === 10) {
        // The server stops mid-stream: the edges' publishes fail and are tried again, the mergers
        // reconnect and take their partitions over; file storage keeps every partial.
        await nats.stop();
        const from = edges.map((e) => e.lines.length);
        for (const e of edges) e.send(`upto ${k}`);
        await nats.restart();
        await Promise.all(
          edges.map((e, i) =>
            e.line((l) => l.startsWith(`at ${k} `), `edge ${i} at ${k} after the restart`, from[i], 30_000),
          ),
        );
        continue;
      }
      await step(k);
    }
    outputs.push(mergerA);
    for (const e of edges) e.send('end');
    await Promise.all(edges.map((e, i) => e.line((l) => l.startsWith('done '), `edge ${i} done`)));
    for (const m of [mergerA, mergerB]) m.send('close');
    await Promise.all([mergerA, mergerB].map((m) => m.line((l) => l.startsWith('stats '), 'merger stats')));

    const statsB = JSON.parse((mergerB.lines.find((l) => l.startsWith('stats ')) as string).slice(6));
    t.ok(
      statsB.takeovers >= 8,
      `merger B took its 4 partitions over at start and again after the restart (${statsB.takeovers})`,
    );
    const edgeStats = edges.map((e) => JSON.parse((e.lines.find((l) => l.startsWith('done ')) as string).slice(5)));
    t.ok(
      edgeStats.some((s) => s.retries > 0),
      `a publish failed during the restart and was tried again (retries ${edgeStats.map((s) => s.retries)})`,
    );

    // Final aggregates of every merger incarnation. A window emitted and then emitted again by the
    // replacement (killed between its sink and its commit) must carry identical values.
    const got = new Map<string, number>();
    let repeats = 0;
    for (const m of outputs) {
      for (const l of m.lines) {
        if (!l.startsWith('el ')) continue;
        const el = JSON.parse(l.slice(3));
        const key = keyOf(el.name, el.tags, el.time);
        const before = got.get(key);
        if (before !== undefined) {
          repeats++;
          if (before !== el.value) t.fail(`${key} emitted twice with different values: ${before} and ${el.value}`);
        }
        got.set(key, el.value);
      }
    }
    const late = outputs.flatMap((m) => m.lines.filter((l) => l.startsWith('late ') || l.startsWith('invalid ')));
    t.same(late, [], 'no partial was late or invalid');

    const expected = await singleProcess();
    const p99 = exactP99();
    let checked = 0;
    let worstRel = 0;
    for (const [key, want] of expected) {
      const have = got.get(key);
      if (have === undefined) {
        t.fail(`missing ${key}`);
        continue;
      }
      if (key.startsWith('["latency.p99s"')) {
        const exact = p99.get(key) as number;
        if (Math.abs(have - exact) > SKETCH_ALPHA * exact) t.fail(`${key}: sketch ${have} not within 1% of ${exact}`);
      } else {
        const rel = Math.abs(have - want) / Math.max(Math.abs(want), 1e-300);
        worstRel = Math.max(worstRel, rel);
        if (rel > 1e-9) t.fail(`${key}: ${have} != ${want}`);
      }
      checked++;
    }
    t.equal(got.size, expected.size, 'as many final aggregates as one process makes, none extra');
    t.ok(checked > 400, `compared ${checked} aggregates (worst relative error ${worstRel}, ${repeats} repeated)`);
  },
);
