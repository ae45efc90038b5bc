import t from 'tap';
import { parseRateLimit, rateLimitMs } from '../../src/internal/parseRateLimit.js';
import { ErrorCode } from '../../src/MetrixError.js';

t.test('parseRateLimit: seconds become milliseconds; null, undefined and 0 mean none', async (t) => {
  t.equal(rateLimitMs(1, 'x'), 1000);
  t.equal(rateLimitMs(0.25, 'x'), 250);
  t.equal(rateLimitMs(0, 'x'), 0);
  t.equal(rateLimitMs(null, 'x'), 0);
  t.equal(rateLimitMs(undefined, 'x'), 0);
});

t.test('parseRateLimit: one number applies to every sink and to sinks added later', async (t) => {
  t.same(parseRateLimit(2, 3), { perSink: [2000, 2000, 2000], defaultMs: 2000 });
  t.same(parseRateLimit(undefined, 2), { perSink: [0, 0], defaultMs: 0 });
  t.same(parseRateLimit(null, 0), { perSink: [], defaultMs: 0 });
});

t.test('parseRateLimit: an array gives one entry per sink; sinks added later get none', async (t) => {
  t.same(parseRateLimit([1, null, 0, undefined], 4), { perSink: [1000, 0, 0, 0], defaultMs: 0 });
  t.same(parseRateLimit([], 0), { perSink: [], defaultMs: 0 });
});

t.test(
  'parseRateLimit: wrong length, negative, non-finite or other types throw ERR_METRIX_INVALID_RATE_LIMIT',
  async (t) => {
    t.throws(() => parseRateLimit([1], 2), { code: ErrorCode.INVALID_RATE_LIMIT });
    t.throws(() => parseRateLimit([1, 2, 3], 2), { code: ErrorCode.INVALID_RATE_LIMIT });
    t.throws(() => parseRateLimit([1], 0), { code: ErrorCode.INVALID_RATE_LIMIT });
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1', true, {}, 1n]) {
      t.throws(() => parseRateLimit(bad, 1), { code: ErrorCode.INVALID_RATE_LIMIT }, String(bad));
      t.throws(() => parseRateLimit([bad], 1), { code: ErrorCode.INVALID_RATE_LIMIT }, `[${String(bad)}]`);
    }
  },
);
