// The seven stages are MStream taken apart: chained by hand they must give what MStream gives,
// and both what the plain aggregation functions give on each batch's groups.
import fc from 'fast-check';
import chain from 'stream-chain';
import t from 'tap';
import type { AggFunc } from '../../src/aggregators/AggFunc.js';
import { count, first, last, max, mean, median, min, stdev, sum } from '../../src/aggregators/builtins.js';
import { keyFromTags } from '../../src/key.js';
import { MElement } from '../../src/MElement.js';
import { MStream } from '../../src/MStream.js';
import { aggregate } from '../../src/stages/aggregate.js';
import { batchByCount } from '../../src/stages/batchByCount.js';
import { dropEmpty } from '../../src/stages/dropEmpty.js';
import { flatten } from '../../src/stages/flatten.js';
import { groupByKey } from '../../src/stages/groupByKey.js';
import { windowByTime } from '../../src/stages/windowByTime.js';
import { zipAggs } from '../../src/stages/zipAggs.js';
import { installClock, T0 } from '../helpers/clock.js';

type Row = [name: string, key: string, tags: Record<string, string>, value: number, time: number];

/** A user function that depends on arrival order. */
const weighted: AggFunc = (v) => v.reduce((acc, x, i) => acc + x * (i + 1), 0);
const range: AggFunc = (v) => Math.max(...v) - Math.min(...v);
const AGGS: [string, AggFunc][] = [
  ['sum', sum],
  ['count', count],
  ['min', min],
  ['max', max],
  ['mean', mean],
  ['first', first],
  ['last', last],
  ['median', median],
  ['stdev', stdev],
  ['weighted', weighted],
  ['range', range],
  ['total', sum], // a renamed built-in
];
/** Aggregations whose incremental form equals the plain function only to rounding. */
const APPROX = new Set(['stdev']);

// Several tag objects per tag set (other order, numbers for strings), and one equal to the defaults.
const TAG_SETS: (Record<string, string | number> | undefined)[] = [
  undefined,
  { k: 'a' },
  { k: 'b', z: '1' },
  { z: 1, k: 'b' },
  { host: 'h' },
];

interface Input {
  value: number;
  tags: number;
  time: number | undefined;
  form: 'number' | 'object' | 'element';
}

const inputArb = fc.record({
  value: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
  tags: fc.integer({ min: 0, max: TAG_SETS.length - 1 }),
  time: fc.option(fc.integer({ min: 0, max: 1e6 }), { nil: undefined }),
  form: fc.constantFrom('number', 'object', 'element'),
});

/** What is written: a number (no tags, no time), an object, or an MElement (always timed). */
function written(input: Input): unknown {
  const tags = TAG_SETS[input.tags];
  const time = input.time === undefined ? undefined : T0 + input.time;
  if (input.form === 'number' && tags === undefined && time === undefined) return input.value + 0;
  if (input.form === 'element') return new MElement('in', input.value + 0, { tags, time });
  return time === undefined ? { value: input.value + 0, tags } : { value: input.value + 0, tags, time };
}

const rows = (els: MElement[]): Row[] => els.map((e) => [e.name, e.key, { ...e.tags }, e.value, e.time]);

async function collect(stream: NodeJS.ReadWriteStream, items: unknown[]): Promise<MElement[]> {
  const out: MElement[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (e: MElement) => out.push(e));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  for (const item of items) stream.write(item as never);
  stream.end();
  await done;
  return out;
}

function reference(
  name: string,
  items: unknown[],
  n: number,
  aggs: [string, AggFunc][],
  defaultTags: Record<string, string> | undefined,
): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < items.length; i += n) {
    const batch = items.slice(i, i + n);
    const groups = new Map<string, { tags: Record<string, string>; values: number[] }>();
    let time: number | undefined;
    for (const item of batch) {
      const {
        value,
        tags: own,
        time: t,
      } = typeof item === 'number'
        ? { value: item, tags: undefined, time: undefined }
        : (item as { value: number; tags?: Record<string, unknown>; time?: number });
      const tags: Record<string, string> = { ...defaultTags };
      for (const [k, v] of Object.entries(own ?? {})) tags[k] = String(v);
      const key = keyFromTags(tags);
      const group = groups.get(key) ?? { tags, values: [] };
      group.values.push(value);
      groups.set(key, group);
      time = t;
    }
    for (const [aggName, fn] of aggs) {
      for (const [key, { tags, values }] of groups) {
        out.push([`${name}.${aggName}`, key, tags, fn(values), time ?? Date.now()]);
      }
    }
  }
  return out;
}

const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

t.test(
  'pipeline: groupByKey → batchByCount → dropEmpty → zipAggs(aggregate…) → flatten equals MStream and a naive reference (property)',
  async (t) => {
    installClock(t); // elements without a time are stamped when their batch completes: freeze it
    await fc.assert(
      fc.asyncProperty(
        fc.array(inputArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.subarray(AGGS, { minLength: 1 }),
        fc.constantFrom(undefined, { host: 'h' }),
        async (inputs, n, aggs, defaultTags) => {
          const name = 'm';
          const agg = Object.fromEntries(aggs);
          const items = inputs.map(written);
          const staged = await collect(
            chain([
              groupByKey({ defaultTags }),
              batchByCount(n, { agg }),
              dropEmpty(),
              zipAggs(aggs.map(([aggName, fn]) => aggregate(`${name}.${aggName}`, fn))),
              flatten(),
            ]) as unknown as NodeJS.ReadWriteStream,
            items,
          );
          const mstream = await collect(
            new MStream(name, { agg, batchSize: n, defaultTags }) as unknown as NodeJS.ReadWriteStream,
            items,
          );
          const got = rows(staged);
          if (JSON.stringify(got) !== JSON.stringify(rows(mstream))) {
            throw new Error(`stages and MStream differ:\n${JSON.stringify(got)}\n${JSON.stringify(rows(mstream))}`);
          }
          const expected = reference(name, items, n, aggs, defaultTags);
          if (got.length !== expected.length) throw new Error(`${got.length} elements, expected ${expected.length}`);
          got.forEach((row, i) => {
            const want = expected[i] as Row;
            const approx = APPROX.has(row[0].slice(name.length + 1));
            const same =
              row[0] === want[0] &&
              row[1] === want[1] &&
              JSON.stringify(Object.entries(row[2]).sort()) === JSON.stringify(Object.entries(want[2]).sort()) &&
              (approx ? close(row[3], want[3]) : row[3] === want[3]) &&
              row[4] === want[4];
            if (!same) throw new Error(`element ${i}: got ${JSON.stringify(row)}, expected ${JSON.stringify(want)}`);
          });
        },
      ),
      { numRuns: 150 },
    );
    t.pass('held');
  },
);

t.test(
  'pipeline: with windowByTime instead of batchByCount, the stages equal MStream with windowSize and a naive reference (property)',
  async (t) => {
    const clock = installClock(t);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(inputArb, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400 }), fc.constantFrom(1000, 2500))),
          {
            maxLength: 30,
          },
        ),
        fc.constantFrom(0.5, 1),
        fc.subarray(AGGS, { minLength: 1 }),
        async (spec, seconds, aggs) => {
          clock.setSystemTime(T0 + 123);
          const name = 'm';
          const agg = Object.fromEntries(aggs);
          const staged: MElement[] = [];
          const merged: MElement[] = [];
          const stages = chain([
            groupByKey(),
            windowByTime(seconds, { agg }),
            dropEmpty(),
            zipAggs(aggs.map(([aggName, fn]) => aggregate(`${name}.${aggName}`, fn))),
            flatten(),
          ]);
          const mstream = new MStream(name, { agg, windowSize: seconds });
          stages.on('data', (e: MElement) => staged.push(e));
          mstream.on('data', (e: MElement) => merged.push(e));
          const ended = Promise.all([stages, mstream].map((s) => new Promise((r) => s.on('end', r))));
          // The reference: each value in the window of the clock when it was written.
          const windows = new Map<number, [unknown, number][]>();
          for (const [input, dt] of spec) {
            await clock.tickAsync(dt);
            const item = written(input);
            stages.write(item);
            mstream.write(item as never);
            const start = Math.floor(Date.now() / (seconds * 1000)) * seconds * 1000;
            windows.set(start, [...(windows.get(start) ?? []), [item, start + seconds * 1000]]);
          }
          await clock.tickAsync(10);
          stages.end();
          mstream.end();
          await ended;
          const got = rows(staged);
          if (JSON.stringify(got) !== JSON.stringify(rows(merged))) {
            throw new Error(`stages and MStream differ:\n${JSON.stringify(got)}\n${JSON.stringify(rows(merged))}`);
          }
          const expected: Row[] = [];
          for (const entries of windows.values()) {
            const end = (entries[0] as [unknown, number])[1];
            // A window's elements carry its end, whatever times the values had.
            const items = entries.map(([item]) => item);
            for (const row of reference(name, items, items.length, aggs, undefined))
              expected.push([row[0], row[1], row[2], row[3], end]);
          }
          if (got.length !== expected.length) throw new Error(`${got.length} elements, expected ${expected.length}`);
          got.forEach((row, i) => {
            const want = expected[i] as Row;
            const approx = APPROX.has(row[0].slice(name.length + 1));
            const same =
              row[0] === want[0] &&
              row[1] === want[1] &&
              (approx ? close(row[3], want[3]) : row[3] === want[3]) &&
              row[4] === want[4];
            if (!same) throw new Error(`element ${i}: got ${JSON.stringify(row)}, expected ${JSON.stringify(want)}`);
          });
        },
      ),
      { numRuns: 60 },
    );
    t.pass('held');
  },
);
