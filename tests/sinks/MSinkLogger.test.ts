import { Writable } from 'node:stream';
import pino from 'pino';
import t from 'tap';
import winston from 'winston';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MSinkLogger } from '../../src/sinks/MSinkLogger.js';
import { until } from '../helpers/until.js';

const el = (v: number, tags?: Record<string, string>) => new MElement('m.sum', v, { tags: tags ?? null, time: 0 });
const text = (v: number, tags = '{}') =>
  `MElement(name=m.sum, value=${v}, tags=${tags}, time=1970-01-01T00:00:00.000Z)`;

function finish(sink: MSinkLogger): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
    sink.end();
  });
}

/** A pino-like logger: level methods that need `this` and take (obj?, msg, ...args). */
class FakePino {
  readonly lines: { level: string; args: unknown[] }[] = [];
  readonly #prefix = 'pino';
  info(...args: unknown[]): void {
    this.lines.push({ level: `${this.#prefix}:info`, args });
  }
  warn(...args: unknown[]): void {
    this.lines.push({ level: `${this.#prefix}:warn`, args });
  }
}

t.test('MSinkLogger: defaults — console.info with the element as the only argument', async (t) => {
  const calls: unknown[][] = [];
  const original = console.info;
  console.info = (...args: unknown[]) => {
    calls.push(args);
  };
  t.teardown(() => {
    console.info = original;
  });
  const sink = new MSinkLogger();
  sink.write(el(3, { foo: 'bar' }));
  await finish(sink);
  console.info = original;
  t.same(calls, [[text(3, '{"foo":"bar"}')]]);
});

t.test('MSinkLogger: a pino-like logger, another level, a format (called on the logger)', async (t) => {
  const logger = new FakePino();
  const sink = new MSinkLogger({ logger, level: 'warn', format: 'metric <%s> done' });
  sink.write(el(1));
  sink.write(el(2));
  await finish(sink);
  t.same(logger.lines, [
    { level: 'pino:warn', args: [`metric <${text(1)}> done`] },
    { level: 'pino:warn', args: [`metric <${text(2)}> done`] },
  ]);
});

t.test('MSinkLogger: the message is taken literally ($& and % in tags)', async (t) => {
  const logger = new FakePino();
  const sink = new MSinkLogger({ logger, format: '[%s]' });
  sink.write(el(1, { a: "$& $' %d %s" }));
  await finish(sink);
  t.same(logger.lines[0]?.args, [`[${text(1, '{"a":"$& $\' %d %s"}')}]`]);
});

t.test('MSinkLogger: empty input logs nothing', async (t) => {
  const logger = new FakePino();
  await finish(new MSinkLogger({ logger }));
  t.same(logger.lines, []);
});

t.test('MSinkLogger: a format without exactly one %s throws ERR_METRIX_INVALID_FORMAT', async (t) => {
  for (const format of ['', 'no placeholder', '%s and %s', '%d', 42 as unknown as string]) {
    t.throws(
      () => new MSinkLogger({ logger: new FakePino(), format }),
      { code: ErrorCode.INVALID_FORMAT },
      String(format),
    );
  }
});

t.test('MSinkLogger: a logger without that level method throws ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  t.throws(() => new MSinkLogger({ logger: new FakePino(), level: 'trace' }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkLogger({ logger: null as never }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkLogger({ logger: { info: 'no' } }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkLogger('console' as never), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test("MSinkLogger: the logger's error fails the sink, unchanged", async (t) => {
  const boom = new Error('logger down');
  const sink = new MSinkLogger({
    logger: {
      info() {
        throw boom;
      },
    },
  });
  const failed = new Promise((resolve) => sink.on('error', resolve));
  sink.write(el(1));
  t.equal(await failed, boom);
});

// ------------------------------------------------------------------ real pino and winston

/** A Writable that keeps every line written to it (pino's and winston's destination). */
function memoryDestination(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  const lines = () =>
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

t.test('MSinkLogger: pino gets (object, message): the element as fields of its JSON line', async (t) => {
  const dest = memoryDestination();
  const logger = pino({ level: 'debug', base: { app: 'x' } }, dest.stream);
  const sink = new MSinkLogger({ logger, level: 'debug', format: 'metric %s' });
  sink.write(new MElement('latency.mean', 12.5, { tags: { route: '/a %s' }, time: 1_700_000_000_123 }));
  sink.write(el(3));
  await finish(sink);
  await until(() => dest.lines().length === 2, 'two pino lines');
  const [first, second] = dest.lines();
  t.match(first, {
    level: 20,
    app: 'x',
    msg: 'metric latency.mean',
    metric: { name: 'latency.mean', value: 12.5, tags: { route: '/a %s' }, time: 1_700_000_000_123 },
  });
  t.type(first?.time, 'number', "pino's own time stays its own");
  t.match(second, { msg: 'metric m.sum', metric: { name: 'm.sum', value: 3, tags: {}, time: 0 } });
});

t.test('MSinkLogger: winston gets (message, meta) through its level method', async (t) => {
  const dest = memoryDestination();
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream: dest.stream })],
  });
  const sink = new MSinkLogger({ logger, level: 'warn', key: 'm' });
  sink.write(new MElement('hits.count', 4, { tags: { host: 'h1' }, time: 5000 }));
  await finish(sink);
  await until(() => dest.lines().length === 1, 'one winston line');
  t.same(dest.lines(), [
    { level: 'warn', message: 'hits.count', m: { name: 'hits.count', value: 4, tags: { host: 'h1' }, time: 5000 } },
  ]);
  logger.close();
});

t.test('MSinkLogger: style given explicitly; console keeps one string; invalid style or key', async (t) => {
  const logger = new FakePino();
  const structured = new MSinkLogger({ logger, style: 'pino' });
  structured.write(el(1, { a: 'b' }));
  await finish(structured);
  t.same(logger.lines, [
    { level: 'pino:info', args: [{ metric: { name: 'm.sum', value: 1, tags: { a: 'b' }, time: 0 } }, 'm.sum'] },
  ]);
  const winstonShaped = new FakePino();
  const w = new MSinkLogger({ logger: winstonShaped, style: 'winston', format: '<%s>' });
  w.write(el(2));
  await finish(w);
  t.same(winstonShaped.lines, [
    { level: 'pino:info', args: ['<m.sum>', { metric: { name: 'm.sum', value: 2, tags: {}, time: 0 } }] },
  ]);
  t.throws(() => new MSinkLogger({ logger, style: 'bunyan' as never }), { code: ErrorCode.INVALID_ARGUMENT });
  t.throws(() => new MSinkLogger({ logger, style: 'pino', key: '' }), { code: ErrorCode.INVALID_ARGUMENT });
});
