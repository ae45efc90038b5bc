import { Writable as NodeWritable } from 'node:stream';
import { Writable } from 'readable-stream';
import t from 'tap';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MSinkPrinter } from '../../src/sinks/MSinkPrinter.js';
import { type ObjectWritable, toSink } from '../../src/sinks/toSink.js';

const el = (v: number) => new MElement('m', v, { time: 0 });

function finish(sink: ObjectWritable): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
    sink.end();
  });
}

t.test('toSink: an MSink and object-mode Writables (node and readable-stream) are used as they are', async (t) => {
  const printer = new MSinkPrinter({ stream: new NodeWritable({ write: (_c, _e, cb) => cb() }) });
  t.equal(toSink(printer), printer);
  const node = new NodeWritable({ objectMode: true, write: (_c, _e, cb) => cb() });
  t.equal(toSink(node as never), node);
  const rs = new Writable({ objectMode: true, write: (_c: unknown, _e: unknown, cb: () => void) => cb() });
  t.equal(toSink(rs), rs);
});

t.test('toSink: a function is called once per element, in order', async (t) => {
  const seen: number[] = [];
  const sink = toSink(function collect(element) {
    seen.push(element.value);
  });
  for (const v of [1, 2, 3]) sink.write(el(v));
  await finish(sink);
  t.same(seen, [1, 2, 3]);
  t.equal(String(sink), 'function collect');
  t.equal(String(toSink(() => {})), 'function (anonymous)');
  t.equal(sink.writableObjectMode, true);
});

t.test("toSink: an async function's Promise is awaited (never two at once)", async (t) => {
  const events: string[] = [];
  const sink = toSink(async (element) => {
    events.push(`start ${element.value}`);
    await new Promise((resolve) => setImmediate(resolve));
    events.push(`end ${element.value}`);
  });
  sink.write(el(1));
  sink.write(el(2));
  await finish(sink);
  t.same(events, ['start 1', 'end 1', 'start 2', 'end 2']);
});

t.test("toSink: the function's throw or rejection fails the sink, unchanged", async (t) => {
  const boom = new Error('boom');
  const thrower = toSink(() => {
    throw boom;
  });
  const a = new Promise((resolve) => thrower.on('error', resolve));
  thrower.write(el(1));
  t.equal(await a, boom);
  const rejecter = toSink(() => Promise.reject(boom));
  const b = new Promise((resolve) => rejecter.on('error', resolve));
  rejecter.write(el(1));
  t.equal(await b, boom);
});

t.test('toSink: anything else throws ERR_METRIX_INVALID_SINK', async (t) => {
  const bytes = new NodeWritable({ write: (_c, _e, cb) => cb() });
  t.throws(() => toSink(bytes as never), { code: ErrorCode.INVALID_SINK }, 'a byte stream');
  const ended = new NodeWritable({ objectMode: true, write: (_c, _e, cb) => cb() });
  ended.end();
  t.throws(() => toSink(ended as never), { code: ErrorCode.INVALID_SINK }, 'an ended stream');
  const destroyed = new NodeWritable({ objectMode: true, write: (_c, _e, cb) => cb() });
  destroyed.destroy();
  t.throws(() => toSink(destroyed as never), { code: ErrorCode.INVALID_SINK }, 'a destroyed stream');
  for (const bad of [undefined, null, 42, 'stdout', {}, { write() {} }, []]) {
    t.throws(() => toSink(bad as never), { code: ErrorCode.INVALID_SINK }, String(bad));
  }
});
