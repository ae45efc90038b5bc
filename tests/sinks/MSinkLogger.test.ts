import t from 'tap';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MSinkLogger } from '../../src/sinks/MSinkLogger.js';

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
