import fc from 'fast-check';
import t from 'tap';
import { LogarithmicMapping } from '../../src/aggregators/LogarithmicMapping.js';

t.test(
  'LogarithmicMapping: every positive double maps to an integer key whose value is within α (property)',
  async (t) => {
    for (const alpha of [0.5, 0.1, 0.01, 1e-3, 1e-6]) {
      const m = new LogarithmicMapping(alpha);
      fc.assert(
        fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (v) => {
          const key = m.key(v);
          const back = m.value(key);
          return Number.isSafeInteger(key) && Math.abs(back - v) <= (alpha + 1e-12) * v;
        }),
      );
    }
    t.pass('held');
  },
);

t.test('LogarithmicMapping: keys increase with the value', async (t) => {
  const m = new LogarithmicMapping(0.01);
  fc.assert(
    fc.property(
      fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
      fc.double({ min: 1, max: 1e3, noNaN: true }),
      (v, f) => m.key(v) <= m.key(v * f),
    ),
  );
  t.equal(m.key(1), 0);
  t.ok(Number.isFinite(m.value(m.key(Number.MAX_VALUE))), 'the largest double has a finite representative');
});
