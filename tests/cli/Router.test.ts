import t from 'tap';
import type { CliFlags } from '../../src/cli/parseCliArgs.js';
import { DEFAULT_MAX_STREAMS, Router } from '../../src/cli/Router.js';
import { resolveConfig } from '../../src/cli/resolveConfig.js';
import { MCoordinator } from '../../src/MCoordinator.js';
import type { MElement } from '../../src/MElement.js';
import { ErrorCode, type MetrixError } from '../../src/MetrixError.js';
import { MStream } from '../../src/MStream.js';

function setup(partial: Partial<CliFlags> = {}) {
  const out: MElement[] = [];
  const config = resolveConfig({ files: [], streams: [], defaultAgg: ['sum'], defaultBatchSize: 100, ...partial });
  const mc = new MCoordinator({ msinks: [(el: MElement) => void out.push(el)] });
  const failures: Error[] = [];
  const logs: string[] = [];
  const router = new Router(mc, config, { fail: (err) => failures.push(err), log: (m) => logs.push(m) });
  return { mc, router, out, failures, logs };
}

t.test('Router: routes by name with send(), creating streams for new names', async (t) => {
  const { mc, router, out } = setup();
  router.route({ name: 'a', value: 1, tags: { k: 'v' }, time: 1000 });
  router.route({ name: 'a', value: 2, tags: { k: 'v' }, time: 2000 });
  router.route({ name: 'b', value: 5 });
  t.equal(router.routed, 3);
  t.equal(router.created, 2);
  t.same([...mc.mstreams.keys()], ['a', 'b']);
  await mc.close();
  t.same(
    out.map((el) => [el.name, el.value, el.tags]),
    [
      ['a.sum', 3, { k: 'v' }],
      ['b.sum', 5, {}],
    ],
  );
});

t.test('Router: past --max-streams, new names are dropped, counted and reported once', async (t) => {
  const { mc, router, logs } = setup({ maxStreams: 1 });
  for (const name of ['a', 'b', 'c', 'b', 'a']) router.route({ name, value: 1 });
  t.equal(router.routed, 2);
  t.equal(router.overLimit, 3);
  t.same([...router.droppedNames], ['b', 'c']);
  t.equal(logs.length, 1);
  t.match(logs[0], /^ERR_METRIX_CARDINALITY_LIMIT: 1 streams created \(--max-streams\)/);
  t.equal(DEFAULT_MAX_STREAMS, 1000);
  await mc.close();
});

t.test('Router: --unknown drop counts, --unknown error fails once', async (t) => {
  const drop = setup({ unknown: 'drop' });
  drop.router.route({ name: 'x', value: 1 });
  drop.router.route({ name: 'x', value: 1 });
  t.equal(drop.router.unknown, 2);
  t.same([...drop.router.droppedNames], ['x']);
  await drop.mc.close();
  const error = setup({ unknown: 'error' });
  error.router.route({ name: 'x', value: 1 });
  error.router.route({ name: 'y', value: 1 });
  t.equal(error.failures.length, 1);
  t.equal((error.failures[0] as MetrixError).code, ErrorCode.UNKNOWN_METRIC);
  await error.mc.close();
});

t.test('Router: a full stream makes it backed up until the stream drains', async (t) => {
  const stream = new MStream('a', { agg: { count: (v) => v.length }, batchSize: 1, highWaterMark: 1 });
  const mc = new MCoordinator({ mstreams: [stream] });
  const router = new Router(mc, resolveConfig({ files: [], streams: [] }), { fail: () => {}, log: () => {} });
  // Nobody reads the coordinator's sinks (there are none): the stream's output is discarded, so
  // it drains; what matters is that the router reports the moment send() said "full".
  let full = 0;
  for (let i = 0; i < 200 && full === 0; i++) if (!router.route({ name: 'a', value: i })) full++;
  t.equal(full, 1, 'send() said full at some point');
  t.ok(router.backedUp);
  await router.room();
  t.notOk(router.backedUp, 'room() resolves once it drained');
  await mc.close();
});

t.test('Router: a stream that refuses an element counts it and keeps the first reason', async (t) => {
  const { mc, router } = setup();
  router.route({ name: 'a', value: 1 });
  mc.mstreams.get('a')?.destroy();
  router.route({ name: 'a', value: 2 });
  t.equal(router.refused, 1);
  t.equal((router.firstRefusal as MetrixError | undefined)?.code, ErrorCode.CLOSED);
  mc.destroy();
});

t.test('Router: a name the coordinator cannot take is refused and counted, never thrown', async (t) => {
  const { mc, router } = setup({ defaultAgg: undefined });
  router.route({ name: 'lat', value: 1, type: 'ms' } as never);
  t.doesNotThrow(() => router.route({ name: 'lat\u0000count', value: 1 }));
  t.equal(router.refused, 1);
  t.equal((router.firstRefusal as MetrixError | undefined)?.code, ErrorCode.DUPLICATE_METRIC);
  await mc.close();
});
