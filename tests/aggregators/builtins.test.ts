import fc from 'fast-check';
import t from 'tap';
import { count, first, last, max, mean, median, min, stdev, sum, variance } from '../../src/aggregators/builtins.js';

t.test('builtins: named after their export', async (t) => {
  const fns = { count, first, last, max, mean, median, min, stdev, sum, variance };
  for (const [name, fn] of Object.entries(fns)) t.equal(fn.name, name);
});

t.test('builtins: values on known input', async (t) => {
  const v = [2, 4, 4, 4, 5, 5, 7, 9];
  t.equal(sum(v), 40);
  t.equal(count(v), 8);
  t.equal(min(v), 2);
  t.equal(max(v), 9);
  t.equal(mean(v), 5);
  t.equal(median(v), 4.5);
  t.equal(median([3, 1, 2]), 2);
  t.equal(first(v), 2);
  t.equal(last(v), 9);
  t.equal(variance([1, 2, 3, 4]), 5 / 3);
  t.equal(stdev(v), Math.sqrt(32 / 7));
  t.equal(min([-0.5]), -0.5);
  t.equal(max([-3, -2]), -2);
});

t.test('builtins: sample statistics of a single value are 0, not an error (regression)', async (t) => {
  t.equal(variance([42]), 0);
  t.equal(stdev([42]), 0);
});

t.test('builtins: variance is exact for large close values', async (t) => {
  t.equal(variance([1e9 + 1, 1e9 + 2, 1e9 + 3]), 1);
});

t.test('builtins: median does not reorder its input', async (t) => {
  const v = [3, 1, 2];
  median(v);
  t.same(v, [3, 1, 2]);
});

t.test('builtins: algebra — sum/count/min/max of a split equal those of the whole (property)', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 2 }), fc.nat(), (values, at) => {
      const i = 1 + (at % (values.length - 1));
      const a = values.slice(0, i);
      const b = values.slice(i);
      return (
        sum(a) + sum(b) === sum(values) &&
        count(a) + count(b) === count(values) &&
        Math.min(min(a), min(b)) === min(values) &&
        Math.max(max(a), max(b)) === max(values)
      );
    }),
  );
  t.pass('held');
});
