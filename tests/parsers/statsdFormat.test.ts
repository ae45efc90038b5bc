import fc from 'fast-check';
import t from 'tap';
import { memberId, statsdFormat } from '../../src/parsers/statsdFormat.js';

t.test('statsdFormat: memberId is a deterministic exact integer that tells members apart', async (t) => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, b) => {
      const x = memberId(a);
      if (!Number.isSafeInteger(x) || x < 0 || x !== memberId(a)) return false;
      return a === b || x !== memberId(b);
    }),
    { numRuns: 2000 },
  );
  t.not(memberId('alice'), memberId('bob'));
});

t.test('statsdFormat: one line of parse, the counters of ignored lines, the gauge count', async (t) => {
  const format = statsdFormat({ maxGauges: 2 });
  t.equal(format.what, 'parseStatsD');
  t.same(format.parse('a:1|c|#k:v'), { name: 'a', value: 1, type: 'c', tags: { k: 'v' } });
  t.equal(format.parse('_e{1,1}:a|b'), undefined);
  t.equal(format.parse('_sc|a|0'), undefined);
  t.equal(format.events, 1);
  t.equal(format.serviceChecks, 1);
  for (const g of ['g1:1|g', 'g2:1|g', 'g3:1|g']) format.parse(g);
  t.equal(format.gaugeCount, 2);
  const first = format.parse('a:1|c|#k:v') as { tags: object };
  const second = format.parse('b:2|ms|#k:v') as { tags: object };
  t.equal(first.tags, second.tags, 'one tags object per tag text');
});
