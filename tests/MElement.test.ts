import FakeTimers from '@sinonjs/fake-timers';
import t from 'tap';
import { MElement } from '../src/MElement.js';
import { ErrorCode } from '../src/MetrixError.js';

t.test('MElement: fields, defaults and frozen tags', async (t) => {
  const clock = FakeTimers.install({ now: 1_700_000_000_000, toFake: ['Date'] });
  t.teardown(() => clock.uninstall());
  const el = new MElement('m', 1.5);
  t.equal(el.name, 'm');
  t.equal(el.value, 1.5);
  t.same(el.tags, {});
  t.ok(Object.isFrozen(el.tags));
  t.equal(el.time, 1_700_000_000_000, 'time defaults to Date.now()');
  t.equal(el.key, '');
  t.equal(new MElement('m', 1, { time: 5 }).time, 5);
});

t.test('MElement: tag values become strings; input is copied', async (t) => {
  const input = { a: 'x', n: 3, b: false };
  const el = new MElement('m', 1, { tags: input });
  t.same(el.tags, { a: 'x', n: '3', b: 'false' });
  input.a = 'changed';
  t.equal(el.tags.a, 'x', 'later changes to the input do not leak in');
  t.ok(Object.isFrozen(el.tags));
  t.equal(el.key, 'a:x|b:false|n:3');
});

t.test('MElement: a frozen map of strings is shared, not copied', async (t) => {
  const tags = Object.freeze({ host: 'a' });
  t.equal(new MElement('m', 1, { tags }).tags, tags);
});

t.test('MElement: null tags mean none', async (t) => {
  t.same(new MElement('m', 1, { tags: null }).tags, {});
});

t.test('MElement: invalid input throws with a code naming the problem', async (t) => {
  const bad: [() => unknown, string][] = [
    [() => new MElement('', 1), ErrorCode.INVALID_NAME],
    [() => new MElement(7 as unknown as string, 1), ErrorCode.INVALID_NAME],
    [() => new MElement('m', Number.NaN), ErrorCode.INVALID_VALUE],
    [() => new MElement('m', Number.POSITIVE_INFINITY), ErrorCode.INVALID_VALUE],
    [() => new MElement('m', '1' as unknown as number), ErrorCode.INVALID_VALUE],
    [() => new MElement('m', 1, { tags: { a: {} as unknown as string } }), ErrorCode.INVALID_TAGS],
    [() => new MElement('m', 1, { tags: { a: null as unknown as string } }), ErrorCode.INVALID_TAGS],
    [() => new MElement('m', 1, { tags: ['a'] as unknown as Record<string, string> }), ErrorCode.INVALID_TAGS],
    [() => new MElement('m', 1, { tags: 'a:b' as unknown as Record<string, string> }), ErrorCode.INVALID_TAGS],
    [() => new MElement('m', 1, { time: Number.NaN }), ErrorCode.INVALID_TIME],
    [() => new MElement('m', 1, { time: '5' as unknown as number }), ErrorCode.INVALID_TIME],
  ];
  for (const [fn, code] of bad) t.throws(fn, { code }, code);
  t.match(
    t.throws(() => new MElement('latency', Number.NaN)),
    { message: /latency.*finite number.*NaN/ },
    'message names the metric and the value',
  );
});

t.test('MElement: equals compares name, value and tags, not time or tag order', async (t) => {
  const a = new MElement('m', 1, { tags: { x: '1', y: '2' }, time: 1 });
  t.ok(a.equals(new MElement('m', 1.0, { tags: { y: '2', x: 1 }, time: 2 })));
  t.notOk(a.equals(new MElement('n', 1, { tags: { x: '1', y: '2' } })));
  t.notOk(a.equals(new MElement('m', 2, { tags: { x: '1', y: '2' } })));
  t.notOk(a.equals(new MElement('m', 1, { tags: { x: '1' } })));
  t.notOk(a.equals(new MElement('m', 1, { tags: { x: '1', z: '2' } })));
  t.notOk(a.equals({ name: 'm', value: 1, tags: { x: '1', y: '2' } } as unknown as MElement));
});

t.test('MElement: toJSON and toString', async (t) => {
  const el = new MElement('m.sum', 3, { tags: { foo: 'bar' }, time: 0 });
  t.same(JSON.parse(JSON.stringify(el)), { name: 'm.sum', value: 3, tags: { foo: 'bar' }, time: 0 });
  t.equal(String(el), 'MElement(name=m.sum, value=3, tags={"foo":"bar"}, time=1970-01-01T00:00:00.000Z)');
});
