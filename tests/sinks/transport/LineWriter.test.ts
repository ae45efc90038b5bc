import { Writable } from 'node:stream';
import t from 'tap';
import { ErrorCode } from '../../../src/MetrixError.js';
import { isTextWritable, LineWriter } from '../../../src/sinks/transport/LineWriter.js';

const owner = () => {
  const destroyed: unknown[] = [];
  return { destroyed, destroy: (err?: Error) => destroyed.push(err) };
};

t.test('lineWriter: accepts writables only', async (t) => {
  t.ok(isTextWritable(process.stdout));
  t.notOk(isTextWritable({ write() {} }));
  t.notOk(isTextWritable(null));
  t.throws(() => new LineWriter(42, owner(), false, 'x'), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('lineWriter: returns a Promise only when the target asks to wait', async (t) => {
  const target = new Writable({ highWaterMark: 4, write: (_c, _e, cb) => setImmediate(cb) });
  const w = new LineWriter(target, owner(), true, 'x');
  t.equal(w.write('ab'), undefined);
  const wait = w.write('cdef');
  t.type(wait, Promise);
  await wait;
  await w.end();
  t.equal(target.writableFinished, true);
  t.equal(target.listenerCount('error'), 0);
});

t.test("lineWriter: the target's error destroys the owner and rejects a pending wait", async (t) => {
  const boom = new Error('boom');
  const target = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => setImmediate(() => cb(boom)) });
  const o = owner();
  const w = new LineWriter(target, o, true, 'x');
  await t.rejects(w.write('abc') as Promise<void>, boom);
  t.same(o.destroyed, [boom]);
  t.throws(() => w.write('again'), boom, 'later writes throw the same error');
  await t.rejects(w.end(), boom);
});

t.test('lineWriter: a target destroyed while waiting rejects with ERR_METRIX_CLOSED', async (t) => {
  const target = new Writable({ highWaterMark: 1, write: () => {} });
  const w = new LineWriter(target, owner(), true, 'x');
  const wait = w.write('abc') as Promise<void>;
  target.destroy();
  await t.rejects(wait, { code: ErrorCode.CLOSED });
  t.throws(() => w.write('x'), { code: ErrorCode.CLOSED });
});

t.test('lineWriter: end() on a target already finished resolves at once', async (t) => {
  const target = new Writable({ write: (_c, _e, cb) => cb() });
  target.end();
  await new Promise((resolve) => target.on('finish', resolve));
  await new LineWriter(target, owner(), true, 'x').end();
  t.pass();
});
