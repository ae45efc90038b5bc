import t from 'tap';
import type { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';
import { parseStatsD, type StatsDElement } from '../../src/parsers/parseStatsD.js';
import { statsdAggregations } from '../../src/parsers/statsdAggregations.js';

/** Parses `lines`, runs the values through one MStream batch, returns `aggregation → value`. */
async function aggregateLines(
  lines: string,
  agg: ReturnType<typeof statsdAggregations>,
): Promise<Record<string, number>> {
  const parser = parseStatsD();
  parser.end(lines);
  const elements: StatsDElement[] = [];
  for await (const el of parser) elements.push(el as StatsDElement);
  const mstream = new MStream('m', { agg, batchSize: elements.length });
  const out: MElement[] = [];
  mstream.on('data', (el: MElement) => out.push(el));
  for (const el of elements) mstream.write(el);
  await mstream.close();
  return Object.fromEntries(out.map((el) => [el.name.slice(2), el.value]));
}

t.test('statsdAggregations: counters sum value / sample rate, rate per second', async (t) => {
  // Daemon: counters[key] += value * (1 / rate) → 1/0.1 + 2 + 3/0.5 = 18; rate = 18 / 10 s.
  const got = await aggregateLines('c:1|c|@0.1\nc:2|c\nc:3|c|@0.5\n', statsdAggregations('c', { windowSize: 10 }));
  t.same(got, { count: 18, rate: 1.8 });
  t.same(Object.keys(statsdAggregations('c')), ['count']);
});

t.test('statsdAggregations: timers as the daemon reports them', async (t) => {
  // Values 1..10 shuffled: mean 5.5, upper 10, lower 1, upper_90 = 9th (round(0.9*10)), median 5.5.
  const got = await aggregateLines(
    '\nt:3|ms\nt:10|ms\nt:1|ms\nt:7|ms\nt:5|ms\nt:2|ms\nt:9|ms\nt:4|ms\nt:8|ms\nt:6|ms\n',
    statsdAggregations('ms', { percentiles: [90, 99.5] }),
  );
  t.same(got, { mean: 5.5, upper: 10, lower: 1, upper_90: 9, upper_99_5: 10, median: 5.5, sum: 55, count: 10 });
});

t.test('statsdAggregations: a gauge is its last value, deltas applied', async (t) => {
  t.same(await aggregateLines('g:10|g\ng:+5|g\ng:-2|g\n', statsdAggregations('g')), { last: 13 });
});

t.test('statsdAggregations: h and d aggregate like ms', async (t) => {
  t.same(Object.keys(statsdAggregations('h')), Object.keys(statsdAggregations('ms')));
  t.same(Object.keys(statsdAggregations('d')), Object.keys(statsdAggregations('ms')));
});

t.test('statsdAggregations: invalid arguments throw INVALID_ARGUMENT', async (t) => {
  t.throws(() => statsdAggregations('x' as never), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => statsdAggregations('c', { windowSize: 0 }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => statsdAggregations('ms', { percentiles: [0] }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('statsdAggregations: a set counts its distinct members per window', async (t) => {
  const got = await aggregateLines(
    'users:alice|s\nusers:bob|s\nusers:alice|s\nusers:carol|s|@0.5\nusers:bob|s\n',
    statsdAggregations('s'),
  );
  t.same(got, { count: 3 });
});
