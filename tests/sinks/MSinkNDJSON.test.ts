import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MSinkNDJSON } from '../../src/sinks/MSinkNDJSON.js';
import { finish, textTarget as target } from '../helpers/sinks.js';

const el = (v: number, tags?: Record<string, string>) => new MElement('m.sum', v, { tags: tags ?? null, time: 1700 });

t.test('MSinkNDJSON: one JSON object per line, { name, value, tags, time }', async (t) => {
  const { w, chunks } = target();
  const sink = new MSinkNDJSON(w);
  sink.write(el(3, { host: 'a"b' }));
  sink.write(el(0.5));
  await finish(sink);
  t.same(chunks, [
    '{"name":"m.sum","value":3,"tags":{"host":"a\\"b"},"time":1700}\n',
    '{"name":"m.sum","value":0.5,"tags":{},"time":1700}\n',
  ]);
  t.same(JSON.parse(chunks[0] as string), { name: 'm.sum', value: 3, tags: { host: 'a"b' }, time: 1700 });
  t.equal(w.writableFinished, true, 'it ends the writable and waits for its finish');
});

t.test('MSinkNDJSON: to a file — complete once the sink has finished', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'metrix-ndjson-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'out.ndjson');
  const sink = new MSinkNDJSON(createWriteStream(file));
  for (let i = 0; i < 1000; i++) sink.write(el(i));
  await finish(sink);
  const lines = readFileSync(file, 'utf8').split('\n');
  t.equal(lines.pop(), '', 'ends with a newline');
  t.equal(lines.length, 1000);
  t.same(
    lines.map((l) => JSON.parse(l).value),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

t.test('MSinkNDJSON: empty input writes nothing and still ends the writable', async (t) => {
  const { w, chunks } = target();
  await finish(new MSinkNDJSON(w));
  t.same(chunks, []);
  t.equal(w.writableEnded, true);
});

t.test('MSinkNDJSON: end: false leaves the writable open; stdout is never ended', async (t) => {
  const { w } = target();
  await finish(new MSinkNDJSON(w, { end: false }));
  t.equal(w.writableEnded, false);
  t.equal(w.listenerCount('error'), 0, 'its error listener is removed');
  const sink = new MSinkNDJSON(process.stdout as never);
  await finish(sink);
  t.equal(process.stdout.writableEnded, false);
});

t.test("MSinkNDJSON: honours the writable's backpressure, nothing lost, order kept", async (t) => {
  const { w, chunks } = target({ slow: true, highWaterMark: 1 });
  const sink = new MSinkNDJSON(w, { highWaterMark: 1 });
  let refused = 0;
  for (let i = 0; i < 40; i++) {
    if (!sink.write(el(i))) {
      refused++;
      await new Promise((resolve) => sink.once('drain', resolve));
    }
  }
  await finish(sink);
  t.ok(refused > 0);
  t.same(
    chunks.map((c) => JSON.parse(c).value),
    Array.from({ length: 40 }, (_, i) => i),
  );
});

t.test("MSinkNDJSON: the writable's error fails the sink, unchanged — also between writes", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'metrix-ndjson-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // The directory does not exist: the file stream fails on open, before anything is written.
  const sink = new MSinkNDJSON(createWriteStream(join(dir, 'missing', 'out.ndjson')));
  const err = await new Promise<NodeJS.ErrnoException>((resolve) => sink.on('error', resolve));
  t.equal(err.code, 'ENOENT');
});

t.test('MSinkNDJSON: a write error while waiting for drain fails the sink', async (t) => {
  const boom = new Error('disk full');
  const w = new Writable({
    highWaterMark: 1,
    write(_chunk, _enc, cb) {
      setImmediate(() => cb(boom));
    },
  });
  const sink = new MSinkNDJSON(w);
  const failed = new Promise((resolve) => sink.on('error', resolve));
  sink.write(el(1));
  sink.write(el(2));
  t.equal(await failed, boom);
});

t.test('MSinkNDJSON: destroy() destroys a writable it owns, not one it was told to leave open', async (t) => {
  const owned = target().w;
  const sink = new MSinkNDJSON(owned);
  sink.destroy();
  await new Promise((resolve) => sink.on('close', resolve));
  t.equal(owned.destroyed, true);
  const shared = target().w;
  const other = new MSinkNDJSON(shared, { end: false });
  other.destroy();
  await new Promise((resolve) => other.on('close', resolve));
  t.equal(shared.destroyed, false);
});

t.test('MSinkNDJSON: rejects what is not a writable, and bad options', async (t) => {
  t.throws(() => new MSinkNDJSON(undefined as never), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkNDJSON({ write() {} } as never), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkNDJSON(target().w, null as never), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkNDJSON(target().w, { highWaterMark: 1.5 }), { code: ErrorCode.INVALID_ARGUMENT });
});
