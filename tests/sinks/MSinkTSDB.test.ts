import t from 'tap';
import type { Tags } from '../../src/MElement.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { MSinkTSDB, type TSDBClient } from '../../src/sinks/MSinkTSDB.js';

const el = (v: number, tags?: Record<string, string>) => new MElement('m.sum', v, { tags: tags ?? null, time: 1700 });

function finish(sink: MSinkTSDB): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
    sink.end();
  });
}

t.test('MSinkTSDB: calls client.send(name, value, tags, time) on the client, in order', async (t) => {
  const calls: unknown[][] = [];
  const client = {
    sent: calls,
    send(name: string, value: number, tags: Tags, time: number) {
      this.sent.push([name, value, tags, time]);
    },
  };
  const sink = new MSinkTSDB(client);
  sink.write(el(1, { host: 'a' }));
  sink.write(el(2));
  await finish(sink);
  t.same(calls, [
    ['m.sum', 1, { host: 'a' }, 1700],
    ['m.sum', 2, {}, 1700],
  ]);
  t.equal(sink.client, client);
});

t.test('MSinkTSDB: a returned Promise is awaited before the next element', async (t) => {
  const events: string[] = [];
  let active = 0;
  const client: TSDBClient = {
    async send(_name, value) {
      active++;
      t.equal(active, 1, 'never two sends at once');
      events.push(`start ${value}`);
      await new Promise((resolve) => setImmediate(resolve));
      events.push(`end ${value}`);
      active--;
    },
  };
  const sink = new MSinkTSDB(client);
  for (const v of [1, 2, 3]) sink.write(el(v));
  await finish(sink);
  t.same(events, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
});

t.test("MSinkTSDB: the client's rejection or throw fails the sink, unchanged", async (t) => {
  const boom = new Error('connection refused');
  const rejecting = new MSinkTSDB({ send: () => Promise.reject(boom) });
  const r = new Promise((resolve) => rejecting.on('error', resolve));
  rejecting.write(el(1));
  t.equal(await r, boom);
  const throwing = new MSinkTSDB({
    send() {
      throw boom;
    },
  });
  const e = new Promise((resolve) => throwing.on('error', resolve));
  throwing.write(el(1));
  t.equal(await e, boom);
});

t.test('MSinkTSDB: timeResolutionMs defaults to 1 and can be set', async (t) => {
  const client = { send() {} };
  t.equal(new MSinkTSDB(client).timeResolutionMs, 1);
  t.equal(new MSinkTSDB(client, { timeResolutionMs: 1000 }).timeResolutionMs, 1000);
  for (const bad of [0, -1, Number.NaN, '1000']) {
    t.throws(() => new MSinkTSDB(client, { timeResolutionMs: bad as number }), { code: ErrorCode.INVALID_ARGUMENT });
  }
});

t.test('MSinkTSDB: a client without send() throws ERR_METRIX_INVALID_ARGUMENT', async (t) => {
  for (const bad of [undefined, null, {}, { send: 1 }, 'client']) {
    t.throws(() => new MSinkTSDB(bad as never), { code: ErrorCode.INVALID_ARGUMENT }, String(bad));
  }
});
