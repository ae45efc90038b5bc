// The end-of-run checks that read something back: the NDJSON file against the reference sink, and
// VictoriaMetrics against the NDJSON file (once that file is known to equal the reference).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Tags } from '../../src/index.js';
import type { VictoriaMetrics } from '../../tests/helpers/victoriaMetrics.js';
import { canonicalLine } from './workload.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly text: string;
}

interface Line {
  name: string;
  value: number;
  tags: Tags;
  time: number;
}

async function* readNdjson(file: string): AsyncGenerator<Line> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line !== '') yield JSON.parse(line) as Line;
}

/** (b) The file holds exactly the reference's sequence: same count, same SHA-256 of canonical lines. */
export async function checkNdjson(file: string, reference: { received: number; digest: string }): Promise<Check> {
  const hash = createHash('sha256');
  let n = 0;
  for await (const e of readNdjson(file)) {
    n++;
    hash.update(canonicalLine(e.name, e.value, e.tags, e.time));
  }
  const digest = hash.digest('hex');
  const ok = n === reference.received && digest === reference.digest;
  return {
    name: '(b) NDJSON file = reference',
    ok,
    text: ok
      ? `${n} lines, the same sequence (sha256 ${digest.slice(0, 12)}…)`
      : `${n} lines (reference ${reference.received}), sha256 ${digest.slice(0, 12)}… (reference ${reference.digest.slice(0, 12)}…)`,
  };
}

// VictoriaMetrics keeps 12 significant decimal digits of a value (lossy beyond that), as the sink
// tests say: compare with a relative tolerance well above that, far below any real mistake.
const sameValue = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

const sampleKey = (name: string, labels: Record<string, string>, time: number) =>
  `${name} ${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))} @${time}`;

/**
 * (c) Every aggregate of the file is stored in VictoriaMetrics (Influx: series `<name>_value`, tags
 * as labels, plus `db`), with its value and millisecond time; nothing else is stored; and the only
 * extra samples are at-least-once resends: exact copies, at most two of any sample, and at most
 * `maxDuplicates` in all.
 */
export async function checkVictoriaMetrics(
  vm: VictoriaMetrics,
  file: string,
  db: string,
  fromMs: number,
  toMs: number,
  maxDuplicates: number,
  allowance: string,
): Promise<Check> {
  const expected = new Map<string, number>();
  let clashes = 0;
  for await (const e of readNdjson(file)) {
    const key = sampleKey(`${e.name}_value`, { ...e.tags }, e.time);
    if (expected.has(key)) clashes++;
    expected.set(key, e.value);
  }
  const stored = new Map<string, number[]>();
  for (const s of await vm.export(`{db="${db}"}`, fromMs, toMs)) {
    const { __name__: name, db: _db, ...labels } = s.metric;
    s.timestamps.forEach((time, i) => {
      const key = sampleKey(name as string, labels, time);
      const values = stored.get(key);
      if (values === undefined) stored.set(key, [s.values[i] as number]);
      else values.push(s.values[i] as number);
    });
  }
  const missing = [...expected.keys()].filter((k) => !stored.has(k));
  const unexpected = [...stored.keys()].filter((k) => !expected.has(k));
  const wrong = [...expected].filter(([k, v]) => stored.get(k)?.some((x) => !sameValue(x, v)) === true);
  const duplicated = [...stored.values()].filter((values) => values.length > 1);
  const extra = duplicated.reduce((n, values) => n + values.length - 1, 0);
  const moreThanTwice = duplicated.filter((values) => values.length > 2).length;
  const ok =
    clashes === 0 &&
    missing.length === 0 &&
    unexpected.length === 0 &&
    wrong.length === 0 &&
    moreThanTwice === 0 &&
    extra <= maxDuplicates;
  const show = (keys: string[]) => (keys.length === 0 ? '' : ` (e.g. ${keys.slice(0, 2).join(' | ')})`);
  return {
    name: '(c) VictoriaMetrics holds every aggregate',
    ok,
    text:
      `${expected.size} expected, ${missing.length} missing${show(missing)}, ${unexpected.length} unexpected${show(unexpected)}, ` +
      `${wrong.length} wrong values${show(wrong.map(([k]) => k))}, ${extra} stored twice (allowance ${allowance}; ` +
      `${moreThanTwice} stored more than twice)${clashes > 0 ? `, ${clashes} aggregates of the reference share a series and time: soak data error` : ''}`,
  };
}
