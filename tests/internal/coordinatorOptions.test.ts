import t from 'tap';
import { coordinatorOptions, stallTimeout } from '../../src/internal/coordinatorOptions.js';
import { ErrorCode } from '../../src/MetrixError.js';

t.test('coordinatorOptions: defaults', async (t) => {
  const o = coordinatorOptions({});
  t.same(o.mstreams, []);
  t.same(o.msinks, []);
  t.equal(o.queueSize, 16);
  t.equal(o.stallTimeoutMs, undefined, "not given: each sink's own");
  t.equal(o.maxStreams, Number.POSITIVE_INFINITY);
  t.equal(o.dropUnknown, false);
  t.equal(o.template, undefined);
  t.equal(o.dropInvalid, false);
  t.equal(o.prefix, '');
  t.equal(o.defaultTags, undefined);
  t.same(o.rateLimits, { perSink: [], defaultMs: 0 });
});

t.test('coordinatorOptions: values given, tags normalised once', async (t) => {
  const create = () => null as never;
  const o = coordinatorOptions({
    stallTimeoutMs: Number.POSITIVE_INFINITY,
    maxStreams: 3,
    onUnknown: { create },
    onInvalid: 'drop',
    defaultTags: { n: 1, ok: true },
    prefix: 'app.',
  });
  t.equal(o.stallTimeoutMs, Number.POSITIVE_INFINITY);
  t.equal(o.maxStreams, 3);
  t.equal(o.template?.create, create);
  t.equal(o.dropInvalid, true);
  t.same(o.defaultTags, { n: '1', ok: 'true' });
  t.equal(coordinatorOptions({ defaultTags: {} }).defaultTags, undefined, 'empty tags are none');
});

t.test('coordinatorOptions / stallTimeout: each invalid option names itself', async (t) => {
  const cases: [unknown, string, RegExp][] = [
    [null, ErrorCode.INVALID_ARGUMENT, /options must be an object/],
    [{ mstreams: {} }, ErrorCode.INVALID_ARGUMENT, /mstreams/],
    [{ msinks: 1 }, ErrorCode.INVALID_SINK, /msinks/],
    [{ onUnknown: 'skip' }, ErrorCode.INVALID_ARGUMENT, /onUnknown/],
    [{ onUnknown: { create: 1 } }, ErrorCode.INVALID_ARGUMENT, /onUnknown/],
    [{ onInvalid: 'x' }, ErrorCode.INVALID_ARGUMENT, /onInvalid/],
    [{ prefix: null }, ErrorCode.INVALID_ARGUMENT, /prefix/],
    [{ maxStreams: 1.5 }, ErrorCode.INVALID_ARGUMENT, /maxStreams/],
    [{ stallTimeoutMs: 0 }, ErrorCode.INVALID_ARGUMENT, /stallTimeoutMs/],
    [{ sinkQueueSize: 0 }, ErrorCode.INVALID_ARGUMENT, /sinkQueueSize/],
    [{ defaultTags: { a: [] } }, ErrorCode.INVALID_TAGS, /./],
  ];
  for (const [options, code, message] of cases) {
    t.throws(() => coordinatorOptions(options as never), { code, message }, JSON.stringify(options));
  }
  t.equal(stallTimeout(1, 'x'), 1);
  t.throws(() => stallTimeout(Number.NaN, 'addMSink({ stallTimeoutMs })'), { message: /addMSink/ });
});
