import fc from 'fast-check';
import t from 'tap';
import { nearestRank } from '../../src/aggregators/nearestRank.js';

t.test('nearestRank: StatsD upper_<p> ranks', async (t) => {
  t.equal(nearestRank(90, 10), 9);
  t.equal(nearestRank(50, 4), 2);
  t.equal(nearestRank(100, 7), 7);
  t.equal(nearestRank(1, 2), 1, 'never below 1');
  t.equal(nearestRank(0.001, 1), 1);
});

t.test('nearestRank: always a rank in [1, n] (property)', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: 1e-9, max: 100, noNaN: true }), fc.integer({ min: 1, max: 1e9 }), (p, n) => {
      const r = nearestRank(p, n);
      return Number.isInteger(r) && r >= 1 && r <= n;
    }),
  );
  t.pass('held');
});
