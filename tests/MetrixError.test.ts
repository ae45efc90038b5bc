import t from 'tap';
import { ErrorCode, MetrixError } from '../src/MetrixError.js';

t.test('MetrixError: carries code, name, input and cause', async (t) => {
  const cause = new Error('inner');
  const err = new MetrixError(ErrorCode.SINK_FAILED, 'sink x failed', { cause, input: 42 });
  t.ok(err instanceof Error);
  t.equal(err.name, 'MetrixError');
  t.equal(err.code, 'ERR_METRIX_SINK_FAILED');
  t.equal(err.cause, cause);
  t.equal(err.input, 42);
  t.notOk('input' in new MetrixError(ErrorCode.CLOSED, 'closed'), 'no input property when none given');
});

t.test('MetrixError: is() checks class and optional code', async (t) => {
  const err = new MetrixError(ErrorCode.CLOSED, 'closed');
  t.ok(MetrixError.is(err));
  t.ok(MetrixError.is(err, ErrorCode.CLOSED));
  t.notOk(MetrixError.is(err, ErrorCode.INVALID_VALUE));
  t.notOk(MetrixError.is(new Error('x')));
});

t.test('MetrixError: every code is ERR_METRIX_* and unique', async (t) => {
  const codes = Object.values(ErrorCode);
  t.equal(new Set(codes).size, codes.length);
  for (const code of codes) t.match(code, /^ERR_METRIX_[A-Z_]+$/);
});
