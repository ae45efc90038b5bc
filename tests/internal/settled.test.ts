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
