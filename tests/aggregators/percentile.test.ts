import t from 'tap';
import { percentile } from '../../src/aggregators/percentile.js';
import { ErrorCode } from '../../src/MetrixError.js';

t.test('percentile: is named p<p>', async (t) => {
  t.equal(percentile(99).name, 'p99');
  t.equal(percentile(99.9).name, 'p99.9');
});

t.test('percentile: nearest rank as StatsD upper_<p>', async (t) => {
  t.equal(percentile(50)([4, 1, 3, 2]), 2);
  t.equal(percentile(100)([4, 1, 3, 2]), 4);
  t.equal(percentile(90)([7]), 7);
  // statsd: round(0.9 * 10) = 9 → 9th smallest
  t.equal(percentile(90)([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), 9);
  t.equal(percentile(1)([5, 6]), 5, 'rank never below 1');
});

t.test('percentile: rejects p outside (0, 100]', async (t) => {
  for (const p of [0, -1, 101, Number.NaN, '50' as unknown as number]) {
    t.throws(() => percentile(p), { code: ErrorCode.INVALID_ARGUMENT }, String(p));
  }
});
