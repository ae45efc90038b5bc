import { Writable } from 'node:stream';
import t from 'tap';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MSinkPrinter } from '../../src/sinks/MSinkPrinter.js';
import { finish, textTarget as target } from '../helpers/sinks.js';

const el = (v: number, tags?: Record<string, string>) => new MElement('m.sum', v, { tags: tags ?? null, time: 0 });

t.test('MSinkPrinter: one line per element, its toString()', async (t) => {
  const { w, chunks } = target();
  const sink = new MSinkPrinter({ stream: w });
  sink.write(el(3, { foo: 'bar' }));
  sink.write(el(4));
  await finish(sink);
  t.same(chunks, [
    'MElement(name=m.sum, value=3, tags={"foo":"bar"}, time=1970-01-01T00:00:00.000Z)\n',
    'MElement(name=m.sum, value=4, tags={}, time=1970-01-01T00:00:00.000Z)\n',
  ]);
});

t.test('MSinkPrinter: empty input prints nothing and does not end the stream', async (t) => {
  const { w, chunks } = target();
  const sink = new MSinkPrinter({ stream: w });
  await finish(sink);
  t.same(chunks, []);
  t.equal(w.writableEnded, false, 'the target is not ended: a printer shares it');
  t.equal(w.listenerCount('error'), 0, 'its error listener is removed at the end');
});

t.test('MSinkPrinter: defaults to process.stdout', async (t) => {
  const written: string[] = [];
  const original = process.stdout.write;
  const listeners = process.stdout.listenerCount('error');
  process.stdout.write = ((chunk: string) => {
    written.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  t.teardown(() => {
    process.stdout.write = original;
  });
  const sink = new MSinkPrinter();
  sink.write(el(1));
  await finish(sink);
  process.stdout.write = original;
  t.same(written, ['MElement(name=m.sum, value=1, tags={}, time=1970-01-01T00:00:00.000Z)\n']);
  t.equal(process.stdout.listenerCount('error'), listeners, 'no listener left on stdout');
});

t.test("MSinkPrinter: honours the stream's backpressure, nothing lost, order kept", async (t) => {
  const { w, chunks } = target({ slow: true, highWaterMark: 1 });
  const sink = new MSinkPrinter({ stream: w, highWaterMark: 2 });
  let refused = 0;
  for (let i = 0; i < 50; i++) {
    if (!sink.write(el(i))) {
      refused++;
      await new Promise((resolve) => sink.once('drain', resolve));
    }
  }
  await finish(sink);
  t.ok(refused > 0, 'the sink said "wait" to its writer');
  t.same(
    chunks.map((line) => Number(/value=(\d+)/.exec(line)?.[1])),
    Array.from({ length: 50 }, (_, i) => i),
  );
});

t.test("MSinkPrinter: the stream's error fails the sink, unchanged", async (t) => {
  const boom = new Error('EPIPE');
  const w = new Writable({
    write(_chunk, _enc, cb) {
      cb(boom);
    },
  });
  const sink = new MSinkPrinter({ stream: w });
  const failed = new Promise((resolve) => sink.on('error', resolve));
  sink.write(el(1));
  t.equal(await failed, boom);
});

t.test('MSinkPrinter: a stream ended by someone else fails the sink with ERR_METRIX_CLOSED', async (t) => {
  const { w } = target();
  w.end();
  const sink = new MSinkPrinter({ stream: w });
  const failed = new Promise((resolve) => sink.on('error', resolve));
  sink.write(el(1));
  t.match(await failed, { code: ErrorCode.CLOSED });
});

t.test('MSinkPrinter: rejects bad options', async (t) => {
  t.throws(() => new MSinkPrinter({ stream: {} as never }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkPrinter({ stream: 'stdout' as never }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkPrinter(null as never), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkPrinter({ highWaterMark: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('MSinkPrinter: destroy() releases the stream', async (t) => {
  const { w } = target();
  const sink = new MSinkPrinter({ stream: w });
  t.equal(w.listenerCount('error'), 1);
  sink.destroy();
  await new Promise((resolve) => sink.on('close', resolve));
  t.equal(w.listenerCount('error'), 0);
  t.equal(w.destroyed, false, 'a printer never destroys the stream it prints to');
  t.equal(String(sink), 'MSinkPrinter');
});
