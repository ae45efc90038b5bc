import { createReadStream, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import t from 'tap';
import {
  count,
  first as firstValue,
  last,
  max,
  mean,
  median,
  min,
  stdev,
  sum,
  variance,
} from '../src/aggregators/builtins.js';
import { percentile } from '../src/aggregators/percentile.js';
import type { MetricWindow } from '../src/engine/MetricWindow.js';
import { MElement } from '../src/MElement.js';
import { ErrorCode, MetrixError } from '../src/MetrixError.js';
import { MStream } from '../src/MStream.js';
import { parseNDJSON } from '../src/parsers/parseNDJSON.js';
import { installClock, T0 } from './helpers/clock.js';
import { nextError } from './helpers/streams.js';

const show = (els: MElement[]) => els.map((e) => `${e.name}${JSON.stringify(e.tags)}=${e.value}`);

async function drain(m: MStream, send: (m: MStream) => void): Promise<MElement[]> {
  const out: MElement[] = [];
  m.on('data', (e: MElement) => out.push(e));
  send(m);
  await m.close();
  return out;
}

t.test('MStream: the original documentation example', async (t) => {
  const m = new MStream('m', { agg: sum, defaultTags: { foo: 'BAR!' }, batchSize: 3 });
  const out = await drain(m, (m) => {
    for (const ele of [{ value: 1 }, { value: 2 }, { value: 1, tags: { foo: 'bar' } }]) {
      m.send(ele.value, ele.tags ? { tags: ele.tags } : undefined);
    }
  });
  t.same(show(out), ['m.sum{"foo":"BAR!"}=3', 'm.sum{"foo":"bar"}=1']);
});

t.test('MStream: agg as a function, an array and an object', async (t) => {
  const feed = (m: MStream) => {
    for (const v of [1, 2, 3]) m.send(v);
  };
  t.same(show(await drain(new MStream('a', { agg: max, batchSize: 3 }), feed)), ['a.max{}=3']);
  t.same(show(await drain(new MStream('b', { agg: [min, max, percentile(50)], batchSize: 3 }), feed)), [
    'b.min{}=1',
    'b.max{}=3',
    'b.p50{}=2',
  ]);
  t.same(show(await drain(new MStream('c', { agg: { total: sum, n: count }, batchSize: 3 }), feed)), [
    'c.total{}=6',
    'c.n{}=3',
  ]);
});

t.test('MStream: several aggregations — all groups of the first, then of the second', async (t) => {
  const m = new MStream('m', { agg: [sum, count], batchSize: 4 });
  const out = await drain(m, (m) => {
    m.send(1, { tags: { k: 'a' } });
    m.send(2, { tags: { k: 'b' } });
    m.send(3, { tags: { k: 'a' } });
    m.send(4);
  });
  t.same(show(out), [
    'm.sum{"k":"a"}=4',
    'm.sum{"k":"b"}=2',
    'm.sum{}=4',
    'm.count{"k":"a"}=2',
    'm.count{"k":"b"}=1',
    'm.count{}=1',
  ]);
});

t.test('MStream: readable properties and toString', async (t) => {
  const m = new MStream('lat', { agg: [sum, max], defaultTags: { n: 1 }, windowSize: 0.5 });
  t.equal(m.name, 'lat');
  t.same([...m.agg.keys()], ['sum', 'max']);
  t.equal(m.agg.get('sum'), sum);
  t.same(m.defaultTags, { n: '1' });
  t.equal(m.windowSize, 0.5);
  t.equal(m.batchSize, undefined);
  t.equal(String(m), "MStream(name='lat', agg=[sum, max], windowSize=0.5)");
  t.equal(String(new MStream('x', { agg: sum, batchSize: 2 })), "MStream(name='x', agg=[sum], batchSize=2)");
  m.destroy();
});

t.test('MStream: construction misuse throws MetrixError with a code', async (t) => {
  const cases: [() => unknown, string][] = [
    [() => new MStream('', { agg: sum, batchSize: 1 }), ErrorCode.INVALID_NAME],
    [() => new MStream('m', undefined as never), ErrorCode.INVALID_ARGUMENT],
    [() => new MStream('m', { agg: 'sum' as never, batchSize: 1 }), ErrorCode.INVALID_AGG],
    [() => new MStream('m', { agg: null as never, batchSize: 1 }), ErrorCode.INVALID_AGG],
    [() => new MStream('m', { agg: [], batchSize: 1 }), ErrorCode.INVALID_AGG],
    [() => new MStream('m', { agg: {}, batchSize: 1 }), ErrorCode.INVALID_AGG],
    [() => new MStream('m', { agg: [(v: readonly number[]) => v.length], batchSize: 1 }), ErrorCode.INVALID_AGG],
    [() => new MStream('m', { agg: [sum, sum], batchSize: 1 }), ErrorCode.INVALID_AGG],
    [() => new MStream('m', { agg: { a: 1 as never }, batchSize: 1 }), ErrorCode.INVALID_AGG],
    [() => new MStream('m', { agg: sum }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, batchSize: 1, windowSize: 1 }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, batchSize: 0 }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, batchSize: -1 }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, batchSize: 2.5 }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, windowSize: 0 }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, windowSize: -1 }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, windowSize: Number.POSITIVE_INFINITY }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, windowSize: Number.NaN }), ErrorCode.INVALID_GROUPING],
    [() => new MStream('m', { agg: sum, batchSize: 1, defaultTags: { a: [] as never } }), ErrorCode.INVALID_TAGS],
    [() => new MStream('m', { agg: sum, batchSize: 1, onInvalid: 'ignore' as never }), ErrorCode.INVALID_ARGUMENT],
  ];
  for (const [fn, code] of cases) {
    const err = t.throws(fn, { code }, code);
    t.ok(err instanceof MetrixError);
  }
  t.match(
    t.throws(() => new MStream('m', { agg: sum })),
    { message: /neither/ },
  );
  t.match(
    t.throws(() => new MStream('m', { agg: sum, batchSize: 1, windowSize: 1 })),
    { message: /both/ },
  );
});

t.test('MStream: writable side takes numbers, MElements and element objects, merging default tags', async (t) => {
  const m = new MStream('m', { agg: sum, defaultTags: { env: 'prod', host: 'a' }, batchSize: 10 });
  const out = await drain(m, (m) => {
    m.write(1);
    m.write(new MElement('ignored-name', 2, { tags: { host: 'b' } }));
    m.write({ value: 3, tags: { host: 'b', extra: true } });
    m.write({ value: 4, tags: null });
  });
  t.same(show(out), [
    'm.sum{"env":"prod","host":"a"}=5',
    'm.sum{"env":"prod","host":"b"}=2',
    'm.sum{"env":"prod","host":"b","extra":"true"}=3',
  ]);
});

t.test('MStream: output time is the last element time for count batches', async (t) => {
  const m = new MStream('m', { agg: sum, batchSize: 2 });
  const out = await drain(m, (m) => {
    m.send(1, { time: 10 });
    m.send(1, { time: 20 });
    m.send(1, { time: 30 });
  });
  t.same(
    out.map((e) => e.time),
    [20, 30],
  );
});

t.test('MStream: time windows on a fake clock, stamped with the window end', async (t) => {
  const clock = installClock(t);
  const m = new MStream('m', { agg: [sum, count], windowSize: 10 });
  const out: MElement[] = [];
  m.on('data', (e: MElement) => out.push(e));
  m.send(1);
  m.send(2);
  await clock.tickAsync(10_000);
  t.same(show(out), ['m.sum{}=3', 'm.count{}=2']);
  t.same(
    out.map((e) => e.time),
    [T0 + 10_000, T0 + 10_000],
  );
  await clock.tickAsync(30_000);
  t.equal(out.length, 2, 'empty windows produce no output');
  m.send(5);
  await clock.tickAsync(1_000);
  await m.close(); // the partial window is flushed at once
  t.same(show(out.slice(2)), ['m.sum{}=5', 'm.count{}=1']);
  t.equal(out[2]?.time, T0 + 50_000);
  t.equal(clock.countTimers(), 0, 'no timer left after close');
});

t.test('MStream: destroy() mid-window clears the timer', async (t) => {
  const clock = installClock(t);
  const m = new MStream('m', { agg: sum, windowSize: 1 });
  m.send(1);
  t.ok(clock.countTimers() > 0);
  m.destroy();
  await new Promise((r) => m.once('close', r));
  t.equal(clock.countTimers(), 0);
});

t.test('MStream: send() validates synchronously and throws; nothing is sent', async (t) => {
  const m = new MStream('m', { agg: count, batchSize: 100 });
  t.throws(() => m.send(Number.NaN), { code: ErrorCode.INVALID_VALUE });
  t.throws(() => m.send('3' as never), { code: ErrorCode.INVALID_VALUE });
  t.throws(() => m.send(1, { tags: { a: {} as never } }), { code: ErrorCode.INVALID_TAGS });
  t.throws(() => m.send(1, { time: Number.NaN }), { code: ErrorCode.INVALID_TIME });
  const out = await drain(m, (m) => m.send(1));
  t.same(show(out), ['m.count{}=1']);
});

t.test('MStream: send() after close() or destroy() throws ERR_METRIX_CLOSED', async (t) => {
  const m = new MStream('m', { agg: sum, batchSize: 1 });
  m.resume();
  await m.close();
  t.throws(() => m.send(1), { code: ErrorCode.CLOSED });
  const d = new MStream('d', { agg: sum, batchSize: 1 });
  d.destroy();
  t.throws(() => d.send(1), { code: ErrorCode.CLOSED });
});

t.test('MStream: close() flushes the partial batch, is idempotent and resolves once', async (t) => {
  const m = new MStream('m', { agg: sum, batchSize: 1000 });
  const out: MElement[] = [];
  m.on('data', (e: MElement) => out.push(e));
  m.send(1);
  m.send(2);
  const p1 = m.close();
  const p2 = m.close();
  t.equal(p1, p2, 'same promise');
  await p1;
  t.same(show(out), ['m.sum{}=3'], 'everything handed to the readable side when close() resolves');
  await m.close();
});

t.test('MStream: close() rejects when the stream is destroyed first', async (t) => {
  // Nobody reads, so the second write is held (its output filled the readable side) and end()
  // cannot finish before destroy().
  const m = new MStream('m', { agg: sum, batchSize: 1, highWaterMark: 1 });
  m.write(1);
  m.write(2);
  m.write(3);
  const closing = m.close();
  m.destroy();
  await t.rejects(closing, { code: ErrorCode.CLOSED });
});

t.test('MStream: close() after destroy() rejects at once instead of hanging (regression)', async (t) => {
  const m = new MStream('m', { agg: sum, batchSize: 10 });
  m.destroy();
  await new Promise((r) => m.once('close', r));
  await t.rejects(m.close(), { code: ErrorCode.CLOSED });
  const boom = new Error('boom');
  const e = new MStream('e', { agg: sum, batchSize: 10 });
  e.on('error', () => {});
  e.destroy(boom);
  await new Promise((r) => e.once('close', r));
  await t.rejects(e.close(), boom, 'with the error it was destroyed with');
});

t.test('MStream: invalid written elements fail the stream by default, naming the element', async (t) => {
  const m = new MStream('m', { agg: sum, batchSize: 10 });
  const err = nextError(m);
  m.write({ value: Number.NaN });
  const e = (await err) as MetrixError;
  t.equal(e.code, ErrorCode.INVALID_VALUE);
  t.match(e.message, /"m".*NaN/);
  const m2 = new MStream('m', { agg: sum, batchSize: 10 });
  const err2 = nextError(m2);
  m2.write('seven' as never);
  t.match(await err2, { code: ErrorCode.INVALID_ELEMENT, input: 'seven' });
});

t.test('MStream: onInvalid drop — counted, an event each, every valid element still aggregated', async (t) => {
  const m = new MStream('m', { agg: [count, sum], batchSize: 3, onInvalid: 'drop' });
  const dropped: MetrixError[] = [];
  m.on('invalid', (e: MetrixError) => dropped.push(e));
  const out = await drain(m, (m) => {
    m.write(1);
    m.write({ value: 'x' });
    m.write(2);
    m.write({ val: 2 });
    m.write({ value: 3, tags: { bad: {} } });
    m.write(3);
  });
  t.equal(m.invalidCount, 3);
  t.same(
    dropped.map((e) => e.code),
    [ErrorCode.INVALID_VALUE, ErrorCode.INVALID_ELEMENT, ErrorCode.INVALID_TAGS],
  );
  t.same(show(out), ['m.count{}=3', 'm.sum{}=6']);
});

t.test('MStream: an error thrown by a user aggregator reaches error unchanged', async (t) => {
  const boom = new Error('boom');
  const m = new MStream('m', {
    agg: {
      bad: () => {
        throw boom;
      },
    },
    batchSize: 1,
  });
  const err = nextError(m);
  m.send(1);
  t.equal(await err, boom);
});

t.test('MStream: timer() sends elapsed seconds × scale once; supports using', async (t) => {
  const clock = installClock(t);
  const m = new MStream('t', { agg: [first, count], batchSize: 100 });
  const timer = m.timer({ scale: 1000, tags: { op: 'x' } });
  await clock.tickAsync(250);
  t.equal(timer.stop(), 250);
  t.equal(timer.stop(), 250, 'second stop returns the same and sends nothing');
  {
    using _t = m.timer();
    await clock.tickAsync(2000);
  }
  const out = await drain(m, () => {});
  t.same(show(out), ['t.first{"op":"x"}=250', 't.first{}=2', 't.count{"op":"x"}=1', 't.count{}=1']);
  t.throws(() => m.timer({ scale: Number.NaN }), { code: ErrorCode.INVALID_ARGUMENT });
});

function first(values: readonly number[]): number {
  return values[0] as number;
}

t.test('MStream: time() sends the duration of sync and async functions, also when they fail', async (t) => {
  const clock = installClock(t);
  const m = new MStream('t', { agg: { all: (v) => v.length }, batchSize: 100 });
  const values: number[] = [];
  const m2 = new MStream('v', {
    agg: {
      list: (v) => {
        values.push(...v);
        return v.length;
      },
    },
    batchSize: 100,
  });
  t.equal(
    m2.time(() => {
      clock.tick(100);
      return 'ok';
    }),
    'ok',
  );
  const boom = new Error('boom');
  t.throws(
    () =>
      m2.time(() => {
        clock.tick(200);
        throw boom;
      }),
    boom,
  );
  const resolved = m2.time(async () => {
    await clock.tickAsync(300);
    return 7;
  });
  t.equal(await resolved, 7);
  const rejected = m2.time(async () => {
    await clock.tickAsync(400);
    throw boom;
  });
  await t.rejects(rejected, boom);
  t.throws(() => m.time('x' as never), { code: ErrorCode.INVALID_ARGUMENT });
  m.destroy();
  await drain(m2, () => {});
  t.same(values, [0.1, 0.2, 0.3, 0.4]);
});

t.test('MStream: backpressure — a stream nobody reads pushes back, then delivers everything', async (t) => {
  const m = new MStream('m', { agg: count, batchSize: 1, highWaterMark: 2 });
  let sent = 0;
  while (m.send(sent) && sent < 10_000) sent++;
  sent++;
  t.ok(sent < 200, `send() returned false after ${sent} values`);
  const drained = new Promise((r) => m.once('drain', r));
  const out: MElement[] = [];
  m.on('data', (e: MElement) => out.push(e));
  await drained; // emitted once the reader catches up
  await m.close();
  t.equal(out.length, sent);
  t.ok(out.every((e) => e.value === 1));
});

t.test('MStream: Readable.from(...).pipe(mstream).pipe(writable)', async (t) => {
  const m = new MStream('m', { agg: [sum, max], batchSize: 4 });
  const got: MElement[] = [];
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(e: MElement, _enc, cb) {
      got.push(e);
      setImmediate(cb);
    },
  });
  await new Promise((resolve, reject) => {
    Readable.from([1, 2, 3, 4, 5]).pipe(m).pipe(sink).on('finish', resolve).on('error', reject);
  });
  t.same(show(got), ['m.sum{}=10', 'm.max{}=4', 'm.sum{}=5', 'm.max{}=5']);
});

t.test('MStream: an fs file of NDJSON through a parse step, with pipeline()', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'metrix-'));
  const file = join(dir, 'in.ndjson');
  const lines = Array.from({ length: 1000 }, (_, i) =>
    JSON.stringify({ name: 'f', value: i % 10, tags: { shard: String(i % 3) } }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  const got: MElement[] = [];
  await pipeline(
    createReadStream(file, { highWaterMark: 1024 }),
    parseNDJSON(),
    new MStream('f', { agg: [count, sum], batchSize: 300 }),
    new Writable({
      objectMode: true,
      write: (e: MElement, _enc, cb) => {
        got.push(e);
        cb();
      },
    }),
  );
  const total = (name: string) => got.filter((e) => e.name === name).reduce((a, e) => a + e.value, 0);
  t.equal(total('f.count'), 1000, 'every line counted, the partial last batch included');
  t.equal(
    total('f.sum'),
    lines.reduce((a, l) => a + JSON.parse(l).value, 0),
  );
});

t.test('MStream: pipeline() propagates an invalid element as a rejection with its code', async (t) => {
  await t.rejects(
    pipeline(
      Readable.from([1, 2, { value: 'nope' }, 4]),
      new MStream('m', { agg: sum, batchSize: 2 }),
      new Writable({ objectMode: true, write: (_e, _enc, cb) => cb() }),
    ),
    { code: ErrorCode.INVALID_VALUE },
  );
});

t.test('MStream: pipeline() propagates a failing destination and destroys the stream', async (t) => {
  const boom = new Error('sink down');
  const m = new MStream('m', { agg: sum, windowSize: 60 });
  await t.rejects(
    pipeline(Readable.from([1, 2, 3]), m, new Writable({ objectMode: true, write: (_e, _enc, cb) => cb(boom) })),
    boom,
  );
  t.ok(m.destroyed, 'destroyed, so its window timer is gone');
});

t.test('MStream: http request body in, aggregated NDJSON out', async (t) => {
  const server = createServer((req, res) => {
    const toLines = new Transform({
      writableObjectMode: true,
      transform: (e: MElement, _e, cb) => cb(null, `${JSON.stringify(e)}\n`),
    });
    pipeline(req, parseNDJSON(), new MStream('req', { agg: [count, mean], batchSize: 50 }), toLines, res).catch(
      () => {},
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const { port } = server.address() as { port: number };
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST' }, (res) => {
      let s = '';
      res
        .setEncoding('utf8')
        .on('data', (d) => (s += d))
        .on('end', () => resolve(s));
    });
    req.on('error', reject);
    for (let i = 1; i <= 60; i++) req.write(`${JSON.stringify({ name: 'req', value: i })}\n`);
    req.end();
  });
  const out = body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.same(
    out.map((o) => [o.name, o.value]),
    [
      ['req.count', 50],
      ['req.mean', 25.5],
      ['req.count', 10],
      ['req.mean', 55.5],
    ],
  );
});

// A reference: aggregate each consecutive chunk of `size` by tag key, first-seen order.
function reference(
  name: string,
  aggs: [string, (v: readonly number[]) => number][],
  els: { v: number; k: number }[],
  size: number,
) {
  const out: string[] = [];
  for (let i = 0; i < els.length; i += size) {
    const groups = new Map<number, number[]>();
    for (const e of els.slice(i, i + size)) groups.set(e.k, [...(groups.get(e.k) ?? []), e.v]);
    for (const [agg, fn] of aggs)
      for (const [k, vs] of groups)
        out.push(`${name}.${agg}${JSON.stringify(k === 0 ? {} : { k: String(k) })}=${fn(vs)}`);
  }
  return out;
}

t.test('MStream: output equals a simple reference computation (property)', async (t) => {
  const aggs: [string, (v: readonly number[]) => number][] = [
    ['count', count],
    ['sum', sum],
    ['max', max],
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ v: fc.integer({ min: -1000, max: 1000 }), k: fc.integer({ min: 0, max: 3 }) }), {
        maxLength: 80,
      }),
      fc.integer({ min: 1, max: 20 }),
      fc.boolean(),
      async (els, size, piped) => {
        const m = new MStream('p', { agg: [count, sum, max], batchSize: size });
        const inputs = els.map((e) => ({ value: e.v, tags: e.k === 0 ? undefined : { k: e.k } }));
        let out: MElement[];
        if (piped) out = (await Readable.from(inputs).pipe(m).toArray()) as MElement[];
        else
          out = await drain(m, (m) => {
            for (const i of inputs) m.send(i.value, { tags: i.tags });
          });
        return JSON.stringify(show(out)) === JSON.stringify(reference('p', aggs, els, size));
      },
    ),
    { numRuns: 80 },
  );
  t.pass('held');
});

t.test('MStream: sum of counts equals valid elements in, for any split into windows (property)', async (t) => {
  const clock = installClock(t);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3000 }), valid: fc.boolean() }), { maxLength: 60 }),
      fc.constantFrom(0.5, 1, 2.5),
      async (steps, windowSize) => {
        const m = new MStream('w', { agg: count, windowSize, onInvalid: 'drop' });
        const out: MElement[] = [];
        m.on('data', (e: MElement) => out.push(e));
        for (const s of steps) {
          await clock.tickAsync(s.gap);
          m.write(s.valid ? { value: 1 } : { value: Number.NaN });
        }
        await m.close();
        const counted = out.reduce((a, e) => a + e.value, 0);
        return counted === steps.filter((s) => s.valid).length && m.invalidCount === steps.length - counted;
      },
    ),
    { numRuns: 40 },
  );
  t.pass('held');
});

// The engine against a naive reference on random input: every aggregator, batched or windowed
// by arrival or event time, sent or written (one chunk at a time, or piped). The reference keeps
// every value, cuts the same windows, groups by tag key in first-seen order and applies the
// plain functions (sketched p99 checked within its bound, means and variances within 1e-9).
const REFERENCE_AGGS = {
  sum,
  count,
  min,
  max,
  first: firstValue,
  last,
  mean,
  median,
  variance,
  stdev,
  p90: percentile(90),
  p99s: percentile(99, { sketch: true }),
  range: (v: readonly number[]) => Math.max(...v) - Math.min(...v),
} as const;
const EXACT = new Set(['sum', 'count', 'min', 'max', 'first', 'last', 'median', 'p90', 'range']);

/** Within `rel` relative, or both below 1e-300 apart (variances of values near underflow). */
function close(a: number, b: number, rel: number): boolean {
  return a === b || Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;
}

t.test('MStream: equals a naive reference for every aggregator, grouping and input path (property)', async (t) => {
  const clock = installClock(t);
  const sample = fc.record({
    // Doubles too small for their squares to stay normal (below ~1e-154) carry no relative
    // precision in any variance formula: they are taken as 0 here.
    v: fc.oneof(
      fc.integer({ min: -1000, max: 1000 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => (Math.abs(x) < 1e-100 ? 0 : x)),
    ),
    k: fc.integer({ min: 0, max: 3 }),
    dt: fc.integer({ min: 0, max: 700 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(sample, { maxLength: 60 }),
      fc.constantFrom<'batch' | 'event'>('batch', 'event'),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom<'send' | 'write' | 'pipe'>('send', 'write', 'pipe'),
      async (samples, grouping, size, path) => {
        clock.setSystemTime(T0);
        // Event times: non-decreasing (no lateness), so every element lands in its window.
        let now = T0;
        const els = samples.map((s) => {
          now += s.dt;
          return { value: s.v === 0 ? 0 : s.v, tags: s.k === 0 ? undefined : { k: String(s.k) }, time: now };
        });
        const m = new MStream('r', {
          agg: REFERENCE_AGGS,
          ...(grouping === 'batch' ? { batchSize: size } : { windowSize: size / 4, windowTime: 'event' as const }),
        });
        let out: MElement[];
        if (path === 'pipe') out = (await Readable.from(els).pipe(m).toArray()) as MElement[];
        else {
          out = [];
          m.on('data', (e: MElement) => out.push(e));
          for (const e of els) {
            if (path === 'send') m.send(e.value, { tags: e.tags, time: e.time });
            else m.write(e);
          }
          await m.close();
        }
        // The reference: cut windows, group, aggregate.
        const windows: (typeof els)[] = [];
        if (grouping === 'batch') for (let i = 0; i < els.length; i += size) windows.push(els.slice(i, i + size));
        else {
          const byStart = new Map<number, typeof els>();
          const w = (size / 4) * 1000;
          for (const e of els) {
            const start = Math.floor(e.time / w) * w;
            byStart.set(start, [...(byStart.get(start) ?? []), e]);
          }
          windows.push(...[...byStart.keys()].sort((a, b) => a - b).map((k) => byStart.get(k) as typeof els));
        }
        const expected: [string, string, number][] = [];
        for (const win of windows) {
          const groups = new Map<string, number[]>();
          for (const e of win) {
            const key = JSON.stringify(e.tags ?? {});
            groups.set(key, [...(groups.get(key) ?? []), e.value]);
          }
          for (const [aggName, fn] of Object.entries(REFERENCE_AGGS))
            for (const [key, vs] of groups) expected.push([`r.${aggName}`, key, fn(vs)]);
        }
        if (out.length !== expected.length) return false;
        return out.every((e, i) => {
          const [name, key, value] = expected[i] as [string, string, number];
          if (e.name !== name || JSON.stringify(e.tags) !== key) return false;
          const agg = name.slice(2);
          if (EXACT.has(agg)) return Object.is(e.value, value) || e.value === value;
          return close(e.value, value, agg === 'p99s' ? 0.01 : 1e-9);
        });
      },
    ),
    { numRuns: 150 },
  );
  t.pass('held');
});

t.test(
  'MStream: event time — a replay gets windows of its own times; late elements are counted, not merged',
  async (t) => {
    installClock(t);
    const m = new MStream('e', { agg: [count, sum], windowSize: 60, windowTime: 'event', allowedLateness: 30 });
    const out: MElement[] = [];
    const late: MetrixError[] = [];
    m.on('data', (e: MElement) => out.push(e));
    m.on('late', (err: MetrixError) => late.push(err));
    const hour = 3_600_000;
    const base = T0 - 5 * hour; // hours before "now": arrival windows would put it all in one window
    m.write({ value: 1, time: base + 1_000 });
    m.write({ value: 2, time: base + 59_000 });
    m.write({ value: 4, time: base + 61_000 }); // next window; watermark base+31s: nothing closes
    m.write({ value: 8, time: base + 95_000 }); // watermark base+65s: the first window closes
    await new Promise(setImmediate); // 'data' is delivered once the readable side flows
    t.same(show(out), ['e.count{}=2', 'e.sum{}=3'], 'the first window closed by the watermark');
    t.equal(out[0]?.time, base + 60_000, 'stamped with its own end');
    m.write({ value: 16, time: base + 10_000 }); // its window has closed: late
    t.equal(late.length, 1);
    t.equal(late[0]?.code, ErrorCode.LATE_ELEMENT);
    await m.close();
    t.same(show(out), ['e.count{}=2', 'e.sum{}=3', 'e.count{}=2', 'e.sum{}=12'], 'close() flushes the open window');
    t.same(m.stats().late, 1);
    t.equal(m.stats().in, 5);
  },
);

t.test(
  'MStream: an overflowing sum drops that one aggregate, reports it, and the window goes on (regression)',
  async (t) => {
    const m = new MStream('o', { agg: [sum, max], batchSize: 3 });
    const invalid: MetrixError[] = [];
    m.on('invalidResult', (err: MetrixError) => invalid.push(err));
    const out = await drain(m, (m) => {
      m.send(1e308, { tags: { a: '1' } });
      m.send(1e308, { tags: { a: '1' } });
      m.send(5, { tags: { a: '2' } });
    });
    t.same(show(out), ['o.sum{"a":"2"}=5', 'o.max{"a":"1"}=1e+308', 'o.max{"a":"2"}=5']);
    t.equal(invalid.length, 1);
    t.equal(invalid[0]?.code, ErrorCode.INVALID_AGG_RESULT);
    t.equal(m.stats().invalidResults, 1);
  },
);

t.test('MStream: a producer that never yields still gets its arrival windows closed on time', async (t) => {
  const clock = installClock(t);
  const m = new MStream('tight', { agg: count, windowSize: 1 });
  const out: MElement[] = [];
  m.on('data', (e: MElement) => out.push(e));
  // No timer can fire in this loop: only the clock moves.
  for (let i = 0; i < 1000; i++) {
    if (i === 500) clock.setSystemTime(T0 + 1000);
    m.send(1);
  }
  await m.close();
  const counts = out.map((e) => e.value);
  t.equal(counts.length, 2, 'two windows');
  t.ok(
    (counts[0] as number) >= 500 && (counts[0] as number) < 500 + 64,
    `the first closed within 64 values of its end (${counts[0]})`,
  );
  t.equal((counts[0] as number) + (counts[1] as number), 1000, 'nothing lost');
  t.equal(out[0]?.time, T0 + 1000);
});

t.test('MStream: memory of a window does not grow with its elements (state, not elements)', async (t) => {
  const m = new MStream('mem', { agg: [sum, count, mean, max, stdev], windowSize: 3600 });
  m.resume();
  const tags = Array.from({ length: 10 }, (_, i) => Object.freeze({ k: String(i) }));
  for (let i = 0; i < 200_000; i++) m.send(i % 97, { tags: tags[i % 10] });
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) m.send(i % 97, { tags: tags[i % 10] });
  global.gc?.();
  const grown = process.memoryUsage().heapUsed - before;
  // Elements kept as objects would take > 100 MB here; states take a few hundred bytes.
  t.ok(grown < 20e6, `heap grew ${(grown / 1e6).toFixed(1)} MB for 1 M values`);
  t.equal(m.stats().series, 10);
  m.destroy();
});

t.test('MStream: await using closes it, losing nothing', async (t) => {
  const out: MElement[] = [];
  {
    await using m = new MStream('u', { agg: sum, batchSize: 10 });
    m.on('data', (e: MElement) => out.push(e));
    m.send(2);
    m.send(3);
  }
  t.same(show(out), ['u.sum{}=5']);
});

t.test('MStream: timer().stop({ tags }) adds tags known only at the end', async (t) => {
  const m = new MStream('lat', { agg: count, batchSize: 10 });
  const out = await drain(m, (m) => {
    m.timer({ tags: { route: '/' } }).stop({ tags: { status: 200 } });
  });
  t.same(show(out), ['lat.count{"route":"/","status":"200"}=1']);
});

t.test("MStream: 'window' hands each closed window's mergeable states before its aggregates", async (t) => {
  const m = new MStream('w', { agg: [sum, max], batchSize: 3 });
  const seen: string[] = [];
  m.on('window', (w: MetricWindow) => {
    seen.push(`window ${w.count}: ${w.groups.map((g) => g.series.key).join(',')}`);
    const kind = w.plan.kinds[0];
    t.equal(kind?.id, 'summary', 'sum and max share one summary state');
    t.match(kind?.toJSON(w.groups[0]?.states[0]), { v: 1, kind: 'summary', count: 2, sum: 3 });
  });
  m.on('data', (e: MElement) => seen.push(String(e.name)));
  m.send(1, { tags: { a: 'x' } });
  m.send(2, { tags: { a: 'x' } });
  m.send(5);
  await m.close();
  t.same(seen, ['window 3: a:x,', 'w.sum', 'w.sum', 'w.max', 'w.max']);
});

t.test('MStream: maxSeries folds new tag sets into one flagged overflow series, counted and reported', async (t) => {
  const m = new MStream('c', { agg: [count, sum], batchSize: 10, maxSeries: 2, defaultTags: { host: 'a' } });
  const reports: MetrixError[] = [];
  m.on('cardinalityLimit', (err: MetrixError) => reports.push(err));
  const out = await drain(m, (m) => {
    for (let i = 0; i < 10; i++) m.send(i, { tags: { user: String(i % 5) } });
    // Users 0 and 1 still hold the table in the second batch (they were seen in the first) …
    for (let i = 0; i < 10; i++) m.send(1, { tags: { user: String(5 + (i % 2)) } });
    // … and are forgotten after it, idle for a whole batch: users 5 and 6 get series.
    for (let i = 0; i < 10; i++) m.send(1, { tags: { user: String(5 + (i % 2)) } });
  });
  t.same(show(out).slice(0, 6), [
    'c.count{"host":"a","user":"0"}=2',
    'c.count{"host":"a","user":"1"}=2',
    'c.count{"host":"a","metrix.overflow":"true"}=6',
    'c.sum{"host":"a","user":"0"}=5',
    'c.sum{"host":"a","user":"1"}=7',
    'c.sum{"host":"a","metrix.overflow":"true"}=33',
  ]);
  t.same(show(out).slice(6, 8), [
    'c.count{"host":"a","metrix.overflow":"true"}=10',
    'c.sum{"host":"a","metrix.overflow":"true"}=10',
  ]);
  t.same(
    show(out).slice(8),
    [
      'c.count{"host":"a","user":"5"}=5',
      'c.count{"host":"a","user":"6"}=5',
      'c.sum{"host":"a","user":"5"}=5',
      'c.sum{"host":"a","user":"6"}=5',
    ],
    'series idle for a window were forgotten, making room for new ones',
  );
  t.equal(m.stats().overflowed, 16);
  t.equal(reports.length, 2, 'reported once per window, not per value');
  t.equal(reports[0]?.code, ErrorCode.CARDINALITY_LIMIT);
  t.throws(() => new MStream('c', { agg: sum, batchSize: 1, maxSeries: 0 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('MStream: a tag explosion stays bounded under maxSeries (regression: 1 M tag sets took 1.17 GB)', async (t) => {
  const m = new MStream('x', { agg: [sum, count], windowSize: 3600, maxSeries: 1000 });
  m.resume();
  for (let i = 0; i < 200_000; i++) m.send(1, { tags: { id: String(i) } });
  const s = m.stats();
  t.equal(s.series, 1000);
  t.equal(s.overflowed, 199_000, 'every value past the limit counted');
  m.destroy();
});

t.test('MStream: flush() emits the open batch or window now, without ending; nothing twice', async (t) => {
  const clock = installClock(t);
  const b = new MStream('b', { agg: sum, batchSize: 10 });
  const outB: MElement[] = [];
  b.on('data', (e: MElement) => outB.push(e));
  b.send(1);
  b.send(2);
  b.flush();
  b.flush(); // nothing open: nothing more
  b.send(5);
  await b.close();
  t.same(show(outB), ['b.sum{}=3', 'b.sum{}=5']);

  const w = new MStream('w', { agg: count, windowSize: 10 });
  const outW: MElement[] = [];
  w.on('data', (e: MElement) => outW.push(e));
  w.send(1);
  await clock.tickAsync(3000);
  w.flush();
  await new Promise(setImmediate);
  t.same(show(outW), ['w.count{}=1']);
  t.equal(outW[0]?.time, T0 + 3000, 'a partial window is stamped with the time of the flush');
  w.send(1);
  w.send(1);
  await clock.tickAsync(7000);
  t.same(show(outW), ['w.count{}=1', 'w.count{}=2'], 'the rest of the window at its end');
  t.equal(outW[1]?.time, T0 + 10_000);
  await w.close();
});

// Seeds: a fixed one always, and a random one whose value is printed when it fails, so CI both
// replays a known run and explores a new one each time.
const SEEDS = [20261202, Math.floor(Math.random() * 2 ** 31)];

t.test(
  'MStream: conservation — every valid element counted once, in order, for any chunking and backpressure (property)',
  async (t) => {
    for (const seed of SEEDS) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ v: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 0, max: 2 }) }), {
            maxLength: 120,
          }),
          fc.integer({ min: 1, max: 15 }),
          fc.integer({ min: 1, max: 4 }),
          fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 10 }),
          async (els, size, hwm, pauses) => {
            const m = new MStream('c', { agg: [count, firstValue, last], batchSize: size, highWaterMark: hwm });
            const out: MElement[] = [];
            // A slow reader: it pauses for a few turns now and then, so writes are held.
            let turn = 0;
            const reader = (async () => {
              for await (const e of m) {
                out.push(e as MElement);
                const wait = pauses[turn++ % pauses.length] as number;
                for (let i = 0; i < wait; i++) await new Promise(setImmediate);
              }
            })();
            const src = Readable.from(els.map((e) => ({ value: e.v, tags: { k: String(e.k) } })));
            await pipeline(src, m as unknown as NodeJS.WritableStream);
            await reader;
            const counted = out.filter((e) => e.name === 'c.count').reduce((a, e) => a + e.value, 0);
            if (counted !== els.length) return false;
            // Order: per batch and key, first and last are the first and last of that batch's key.
            const expected: string[] = [];
            for (let i = 0; i < els.length; i += size) {
              const keys = new Map<number, number[]>();
              for (const e of els.slice(i, i + size)) keys.set(e.k, [...(keys.get(e.k) ?? []), e.v]);
              for (const [k, vs] of keys) expected.push(`${k}:${vs[0]}-${vs[vs.length - 1]}`);
            }
            const firsts = out.filter((e) => e.name === 'c.first');
            const lasts = out.filter((e) => e.name === 'c.last');
            const got = firsts.map((e, i) => `${e.tags.k}:${e.value}-${lasts[i]?.value}`);
            return JSON.stringify(got) === JSON.stringify(expected);
          },
        ),
        { numRuns: 60, seed },
      );
    }
    t.pass(`held for seeds ${SEEDS.join(', ')}`);
  },
);

t.test(
  'MStream: fuzz — arbitrary written chunks never crash it; valid ones all counted, invalid ones counted and coded',
  async (t) => {
    const valid = fc.record({
      value: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0)),
      tags: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString')), fc.string(), {
        maxKeys: 3,
      }),
    });
    const hostile = fc.oneof(
      fc.anything(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, undefined, '1', [1]),
      fc.record({ value: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, '3', null) }),
      fc.record({ value: fc.integer(), time: fc.constantFrom(1e300, -1e300, Number.NaN, '2026') }),
      fc.record({
        value: fc.integer(),
        tags: fc.oneof(fc.constant([1]), fc.constant('a'), fc.record({ a: fc.object() })),
      }),
    );
    for (const seed of SEEDS) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              valid.map((v) => ({ ok: true, v })),
              hostile.map((v) => ({ ok: false, v })),
            ),
            { maxLength: 50 },
          ),
          async (chunks) => {
            const m = new MStream('f', { agg: count, batchSize: 7, onInvalid: 'drop' });
            const codes = new Set<string>();
            m.on('invalid', (err: MetrixError) => codes.add(err.code));
            const out: MElement[] = [];
            m.on('data', (e: MElement) => out.push(e));
            for (const c of chunks) if (c.v !== null && c.v !== undefined) m.write(c.v);
            await m.close();
            const goodIn = chunks.filter((c) => c.ok).length;
            const counted = out.reduce((a, e) => a + e.value, 0);
            const stats = m.stats();
            // A hostile chunk may happen to be valid (fc.anything() can make { value: 3 }).
            return (
              counted === stats.in &&
              counted >= goodIn &&
              stats.in + stats.invalid === chunks.filter((c) => c.v !== null && c.v !== undefined).length &&
              [...codes].every((code) => code.startsWith('ERR_METRIX_'))
            );
          },
        ),
        { numRuns: 200, seed },
      );
    }
    t.pass(`held for seeds ${SEEDS.join(', ')}`);
  },
);

t.test(
  'MStream: a window longer than setTimeout allows (~24.8 days) waits without spinning (regression)',
  async (t) => {
    const clock = installClock(t);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    t.teardown(() => process.off('warning', onWarning));
    const m = new MStream('long', { agg: count, windowSize: 30 * 86_400 });
    const out: MElement[] = [];
    m.on('data', (e: MElement) => out.push(e));
    m.send(1);
    const end = Math.floor(T0 / 2_592_000_000 + 1) * 2_592_000_000;
    await clock.tickAsync(end - T0 - 1);
    t.same(out, [], 'not before its end');
    t.ok(clock.countTimers() <= 1, 'one timer at a time, no timer loop');
    await clock.tickAsync(1);
    t.same(show(out), ['long.count{}=1']);
    t.equal(out[0]?.time, end);
    await new Promise(setImmediate);
    t.same(
      warnings.filter((w) => w.name === 'TimeoutOverflowWarning'),
      [],
    );
    m.destroy();
  },
);

t.test('MStream: event time refuses a time whose window would end past what a Date holds (regression)', async (t) => {
  const m = new MStream('edge', { agg: count, windowSize: 10, windowTime: 'event', onInvalid: 'drop' });
  const invalid: MetrixError[] = [];
  m.on('invalid', (err: MetrixError) => invalid.push(err));
  t.throws(() => m.send(1, { time: 8.64e15 }), { code: ErrorCode.INVALID_TIME }, 'send() throws, nothing sent');
  m.write({ value: 1, time: 8.64e15 });
  m.write({ value: 1, time: T0 });
  const out: MElement[] = [];
  m.on('data', (e: MElement) => out.push(e));
  await m.close();
  t.same(show(out), ['edge.count{}=1'], 'the valid element still aggregated; the close does not fail');
  t.equal(invalid[0]?.code, ErrorCode.INVALID_TIME);
  t.equal(m.stats().in, 1);
  t.equal(m.stats().invalid, 1);
});
