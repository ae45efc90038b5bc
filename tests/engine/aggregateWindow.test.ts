import t from 'tap';
import { toAggregator } from '../../src/aggregators/AggFunc.js';
import type { Aggregator } from '../../src/aggregators/Aggregator.js';
import { count, first, last, max, mean, median, min, stdev, sum, variance } from '../../src/aggregators/builtins.js';
import { percentile } from '../../src/aggregators/percentile.js';
import { Accumulation } from '../../src/engine/Accumulation.js';
import { AggregationPlan } from '../../src/engine/AggregationPlan.js';
import { aggregateWindow } from '../../src/engine/aggregateWindow.js';
import type { MetricWindow } from '../../src/engine/MetricWindow.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode, type MetrixError } from '../../src/MetrixError.js';
import { valuesPlan } from '../helpers/windows.js';

/** A closed window of `plan` holding `groups` (tags → values), stamped `time`. */
function window(plan: AggregationPlan, time: number, groups: [Record<string, string>, number[]][]): MetricWindow {
  const table = new SeriesTable();
  const acc = new Accumulation(plan);
  for (const [tags, values] of groups) for (const v of values) acc.add(table.resolve(tags), v);
  return acc.close(time);
}

function read(win: MetricWindow, aggregator: Aggregator, name = 'm.x') {
  const out: MElement[] = [];
  const invalid: MetrixError[] = [];
  aggregateWindow(
    win,
    aggregator,
    name,
    (e) => out.push(e),
    (e) => invalid.push(e),
  );
  return { out, invalid };
}

t.test('aggregateWindow: smoke — one element per group, in group order, named, tagged, stamped', async (t) => {
  const win = window(new AggregationPlan([sum.aggregator]), 42, [
    [{ x: '1' }, [1, 2]],
    [{}, [5]],
  ]);
  const { out, invalid } = read(win, sum.aggregator, 'm.sum');
  t.ok(out.every((e) => e instanceof MElement));
  t.same(
    out.map((e) => e.toJSON()),
    [
      { name: 'm.sum', value: 3, tags: { x: '1' }, time: 42 },
      { name: 'm.sum', value: 5, tags: {}, time: 42 },
    ],
  );
  t.equal(out[0]?.tags, win.groups[0]?.series.tags, 'the series’ frozen tags, not a copy');
  t.equal(out[0]?.key, 'x:1');
  t.same(invalid, []);
});

t.test('aggregateWindow: an empty window gives nothing', async (t) => {
  const { out, invalid } = read(window(valuesPlan(), 1, []), sum.aggregator);
  t.same(out, []);
  t.same(invalid, []);
});

t.test('aggregateWindow: aggregators sharing a state kind read one state', async (t) => {
  const plan = new AggregationPlan([sum.aggregator, max.aggregator]);
  const win = window(plan, 1, [[{}, [3, 9, 1]]]);
  t.equal(read(win, sum.aggregator).out[0]?.value, 13);
  t.equal(read(win, max.aggregator).out[0]?.value, 9);
  t.equal(read(win, mean.aggregator).out[0]?.value, 13 / 3, 'mean reads the same summary state');
  t.equal(read(win, toAggregator('total', sum)).out[0]?.value, 13, 'a renamed built-in too');
});

t.test('aggregateWindow: arrival values are replayed into the state kind an aggregator reads', async (t) => {
  const values = [5, -2, 7.5, 3, 3, 100, 0.25];
  const win = window(valuesPlan(), 1, [
    [{ k: 'a' }, values],
    [{ k: 'b' }, [4]],
  ]);
  const user = (v: readonly number[]) => v.reduce((acc, x, i) => acc + x * (i + 1), 0);
  const p90 = percentile(90);
  for (const fn of [sum, count, min, max, mean, first, last, median, p90, user]) {
    const { out } = read(win, toAggregator('f', fn));
    t.same(
      out.map((e) => e.value),
      [fn(values), fn([4])],
      fn.name || 'user function (arrival order)',
    );
  }
  for (const fn of [variance, stdev]) {
    const got = read(win, toAggregator('f', fn)).out.map((e) => e.value);
    t.ok(Math.abs((got[0] as number) - fn(values)) <= 1e-12 * Math.abs(fn(values)), fn.name);
  }
});

t.test('aggregateWindow: ERR_METRIX_INVALID_AGG when the window keeps neither the kind nor the values', async (t) => {
  const win = window(new AggregationPlan([sum.aggregator]), 1, [[{}, [1]]]);
  for (const agg of [median.aggregator, stdev.aggregator, toAggregator('f', (v) => v.length)]) {
    t.throws(() => read(win, agg), { code: ErrorCode.INVALID_AGG }, agg.name);
  }
  const empty = window(new AggregationPlan([sum.aggregator]), 1, []);
  t.throws(() => read(empty, median.aggregator), { code: ErrorCode.INVALID_AGG }, 'also for an empty window');
});

t.test(
  'aggregateWindow: a non-finite result is reported, not emitted, and the other groups still come out',
  async (t) => {
    const win = window(new AggregationPlan([sum.aggregator]), 7, [
      [{ k: 'a' }, [1]],
      [{ k: 'big' }, [1e308, 1e308]],
      [{ k: 'c' }, [3]],
    ]);
    const { out, invalid } = read(win, sum.aggregator, 'm.sum');
    t.same(
      out.map((e) => [e.key, e.value]),
      [
        ['k:a', 1],
        ['k:c', 3],
      ],
    );
    t.equal(invalid.length, 1);
    t.equal(invalid[0]?.code, ErrorCode.INVALID_AGG_RESULT);
    const nan = read(
      window(valuesPlan(), 1, [[{}, [1]]]),
      toAggregator('nan', () => Number.NaN),
    );
    t.same(nan.out, []);
    t.equal(nan.invalid[0]?.code, ErrorCode.INVALID_AGG_RESULT);
    const str = read(
      window(valuesPlan(), 1, [[{}, [1]]]),
      toAggregator('s', () => '1' as unknown as number),
    );
    t.equal(str.invalid[0]?.code, ErrorCode.INVALID_AGG_RESULT, 'a string is not a number');
  },
);

t.test('aggregateWindow: an error thrown by the aggregator propagates unchanged', async (t) => {
  const boom = new Error('boom');
  const win = window(valuesPlan(), 1, [[{}, [1]]]);
  t.throws(
    () =>
      read(
        win,
        toAggregator('bad', () => {
          throw boom;
        }),
      ),
    boom,
  );
  try {
    read(
      win,
      toAggregator('bad', () => {
        throw boom;
      }),
    );
  } catch (err) {
    t.equal(err, boom, 'the same object');
  }
});
