import t from 'tap';
import { lateError } from '../../src/engine/lateError.js';
import { SeriesTable } from '../../src/engine/SeriesTable.js';
import { ErrorCode, MetrixError } from '../../src/MetrixError.js';

t.test('lateError: an ERR_METRIX_LATE_ELEMENT error carrying the value, its tags and its time', async (t) => {
  const series = new SeriesTable().resolve({ route: '/' });
  const err = lateError('windowByTime', series, 3, 1_800_000_000_000);
  t.ok(err instanceof MetrixError);
  t.equal(err.code, ErrorCode.LATE_ELEMENT);
  t.same(err.input, { value: 3, tags: { route: '/' }, time: 1_800_000_000_000 });
});
