import t from 'tap';
import { StateReader } from '../../src/aggregators/StateReader.js';
import { ErrorCode, MetrixError } from '../../src/MetrixError.js';

const code = ErrorCode.INVALID_STATE;

t.test('StateReader: checks the header', async (t) => {
  t.doesNotThrow(() => new StateReader({ v: 1, kind: 'k' }, 'k'));
  t.throws(() => new StateReader(null, 'k'), { code, message: /'k' state's JSON form must be an object, got null/ });
  t.throws(() => new StateReader([], 'k'), { code, message: /array/ });
  t.throws(() => new StateReader({ kind: 'k' }, 'k'), { code, message: /v: 1, got v: undefined/ });
  t.throws(() => new StateReader({ v: 1, kind: 'j' }, 'k'), { code, message: /kind: 'k', got kind: "j"/ });
});

t.test('StateReader: reads typed fields and names the bad one', async (t) => {
  const r = new StateReader(
    { v: 1, kind: 'k', n: 3, key: -4, x: 1.5, none: null, inf: 'Infinity', ninf: '-Infinity', nan: 'NaN', a: [1, 2] },
    'k',
  );
  t.equal(r.count('n'), 3);
  t.equal(r.integer('key'), -4);
  t.equal(r.finite('x'), 1.5);
  t.ok(Number.isNaN(r.absent('none')));
  t.equal(r.extended('inf'), Infinity);
  t.equal(r.extended('ninf'), -Infinity);
  t.ok(Number.isNaN(r.extended('nan')));
  t.equal(r.extended('x'), 1.5);
  t.same(r.finiteArray('a'), [1, 2]);
  t.throws(() => r.count('key'), { code, message: /'k' state: field 'key' must be a non-negative integer, got -4/ });
  t.throws(() => r.integer('x'), { code, message: /'x' must be an integer/ });
  t.throws(() => r.finite('inf'), { code, message: /'inf' must be a finite number, got "Infinity"/ });
  t.throws(() => r.absent('n'), { code, message: /'n' must be null/ });
  t.throws(() => r.extended('none'), { code, message: /'none'/ });
  t.throws(() => r.finiteArray('x'), { code, message: /'x' must be an array/ });
  t.throws(() => r.count('missing'), { code, message: /'missing'.*got undefined/ });
});

t.test('StateReader: writeNumber keeps non-finite numbers as their names; errors carry the input', async (t) => {
  t.equal(StateReader.writeNumber(2.5), 2.5);
  t.equal(StateReader.writeNumber(Infinity), 'Infinity');
  t.equal(StateReader.writeNumber(-Infinity), '-Infinity');
  t.equal(StateReader.writeNumber(Number.NaN), 'NaN');
  const json = { v: 1, kind: 'k', n: 'x'.repeat(100) };
  try {
    new StateReader(json, 'k').count('n');
    t.fail('should throw');
  } catch (err) {
    t.ok(MetrixError.is(err, code));
    t.equal((err as MetrixError).input, json);
    t.ok((err as MetrixError).message.length < 200, 'long values are cut in the message');
  }
});
