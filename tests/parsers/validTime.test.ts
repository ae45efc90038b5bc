import t from 'tap';
import { ErrorCode } from '../../src/MetrixError.js';
import { validTime } from '../../src/parsers/validTime.js';

t.test('validTime: what a Date holds passes; the rest is INVALID_TIME naming the field', async (t) => {
  for (const ok of [0, -0, 1.5, 8.64e15, -8.64e15, 1_700_000_000_000]) {
    t.equal(validTime(ok, 't'), ok);
    t.notOk(Number.isNaN(new Date(ok).getTime()));
  }
  for (const bad of [8.64e15 + 1, -8.64e15 - 1, 1e300, Number.NaN, Infinity, '1', null]) {
    t.throws(() => validTime(bad, '"time"'), { code: ErrorCode.INVALID_TIME, message: /"time"/ }, String(bad));
  }
});
