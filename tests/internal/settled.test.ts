import { Writable } from 'node:stream';
import t from 'tap';
import { settled } from '../../src/internal/settled.js';

const premature = () => new Error('premature');

t.test('settled: resolves on finish and removes its listeners', async (t) => {
  const w = new Writable({ write: (_c, _e, cb) => cb() });
  const done = settled(w, 'finish', premature);
  w.end('x');
  await done;
  t.equal(w.listenerCount('error'), 0);
  t.equal(w.listenerCount('close'), 0);
});

t.test('settled: rejects with the stream error', async (t) => {
  const boom = new Error('boom');
  const w = new Writable({ write: (_c, _e, cb) => cb(boom) });
  const done = settled(w, 'finish', premature);
  w.write('x');
  await t.rejects(done, boom);
});

t.test('settled: a close before the event rejects with the premature error', async (t) => {
  const w = new Writable({ write: (_c, _e, cb) => cb() });
  const done = settled(w, 'drain', premature);
  w.destroy();
  await t.rejects(done, { message: 'premature' });
});

t.test('settled: a stream that already closed settles at once, with its error if it had one', async (t) => {
  const finished = new Writable({ write: (_c, _e, cb) => cb() });
  finished.end();
  await new Promise((r) => finished.once('close', r));
  await settled(finished, 'finish', premature);

  const destroyed = new Writable({ write: (_c, _e, cb) => cb() });
  destroyed.destroy();
  await new Promise((r) => destroyed.once('close', r));
  await t.rejects(settled(destroyed, 'finish', premature), { message: 'premature' });

  const boom = new Error('boom');
  const failed = new Writable({ write: (_c, _e, cb) => cb() });
  failed.on('error', () => {});
  failed.destroy(boom);
  await new Promise((r) => failed.once('close', r));
  await t.rejects(settled(failed, 'drain', premature), boom);
});
