import { Writable } from 'node:stream';
import t from 'tap';
import { stdoutSink } from '../../src/cli/stdoutSink.js';
import { MElement } from '../../src/MElement.js';

const el = new MElement('a.sum', 3, { tags: { k: 'v' }, time: 0 });

function target(fail?: (n: number) => Error | undefined) {
  const lines: string[] = [];
  let n = 0;
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      n++;
      const err = fail?.(n);
      if (err === undefined) lines.push(String(chunk));
      callback(err);
    },
  });
  return { stream, lines };
}

t.test('stdoutSink: human and NDJSON lines', async (t) => {
  const human = target();
  stdoutSink(
    human.stream,
    'human',
    () => {},
    () => {},
  ).sink(el);
  const ndjson = target();
  stdoutSink(
    ndjson.stream,
    'ndjson',
    () => {},
    () => {},
  ).sink(el);
  await new Promise((r) => setImmediate(r));
  t.same(human.lines, ['1970-01-01T00:00:00.000Z  a.sum{k=v}  3\n']);
  t.same(ndjson.lines, ['{"name":"a.sum","value":3,"tags":{"k":"v"},"time":0}\n']);
});

t.test('stdoutSink: EPIPE closes it quietly, once; later lines are dropped', async (t) => {
  const out = target((n) => (n >= 2 ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : undefined));
  let closed = 0;
  const errors: Error[] = [];
  const s = stdoutSink(
    out.stream,
    'human',
    () => closed++,
    (e) => errors.push(e),
  );
  s.sink(el);
  s.sink(el);
  await new Promise((r) => setImmediate(r));
  s.sink(el);
  t.equal(closed, 1);
  t.same(errors, []);
  t.ok(s.closed());
  t.equal(out.lines.length, 1);
});

t.test('stdoutSink: another error goes to onError; a write waiting for drain is released', async (t) => {
  const stream = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => setTimeout(() => cb(new Error('EIO')), 5) });
  const errors: Error[] = [];
  const s = stdoutSink(
    stream,
    'human',
    () => {},
    (e) => errors.push(e),
  );
  const waiting = s.sink(el);
  t.ok(waiting instanceof Promise, 'full: the sink waits');
  await waiting;
  t.match(errors[0]?.message, /EIO/);
});
