import t from 'tap';
import { max, sum } from '../../src/aggregators/builtins.js';
import { MElement } from '../../src/MElement.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { aggregate } from '../../src/stages/aggregate.js';
import { ElementGroup, type GroupedElements } from '../../src/stages/types.js';
import { nextError, run } from '../helpers/streams.js';

function grouped(time: number, ...groups: [Record<string, string>, number[]][]): GroupedElements {
  return {
    time,
    groups: groups.map(
      ([tags, values]) =>
        new ElementGroup(
          new MElement('m', 0, { tags }).key,
          Object.freeze({ ...tags }),
          values.map((v) => new MElement('m', v, { tags })),
        ),
    ),
  };
}

t.test('aggregate: smoke — one element per group, named, tagged, stamped', async (t) => {
  const [out] = await run<MElement[]>(aggregate('m.sum', sum), [grouped(42, [{ x: '1' }, [1, 2]], [{}, [5]])]);
  t.same(
    out?.map((e) => e.toJSON()),
    [
      { name: 'm.sum', value: 3, tags: { x: '1' }, time: 42 },
      { name: 'm.sum', value: 5, tags: {}, time: 42 },
    ],
  );
});

t.test('aggregate: empty input; an empty grouping gives an empty array', async (t) => {
  t.same(await run(aggregate('m.sum', sum), []), []);
  t.same(await run(aggregate('m.sum', sum), [grouped(1)]), [[]]);
});

t.test('aggregate: one item', async (t) => {
  const [out] = await run<MElement[]>(aggregate('m.max', max), [grouped(1, [{}, [9]])]);
  t.equal(out?.[0]?.value, 9);
});

t.test('aggregate: invalid arguments throw with codes', async (t) => {
  t.throws(() => aggregate('', sum), { code: ErrorCode.INVALID_NAME });
  t.throws(() => aggregate('m', 'sum' as unknown as typeof sum), { code: ErrorCode.INVALID_AGG });
  t.throws(() => aggregate('m', sum, { highWaterMark: -1 }), { code: ErrorCode.INVALID_ARGUMENT });
});

t.test('aggregate: an error thrown by the user function reaches error unchanged', async (t) => {
  const boom = new Error('boom');
  const stage = aggregate('m.bad', () => {
    throw boom;
  });
  const err = nextError(stage);
  stage.write(grouped(1, [{}, [1]]));
  t.equal(await err, boom);
});

t.test('aggregate: a non-finite result fails with ERR_METRIX_INVALID_AGG_RESULT', async (t) => {
  const stage = aggregate('m.nan', () => Number.NaN);
  const err = nextError(stage);
  stage.write(grouped(1, [{ a: 'b' }, [1]]));
  t.match(await err, { code: ErrorCode.INVALID_AGG_RESULT, message: /m\.nan.*NaN.*a:b/ });
});

t.test('aggregate: backpressure with a tiny highWaterMark, nothing lost', async (t) => {
  const stage = aggregate('m.sum', sum, { highWaterMark: 1 });
  let n = 0;
  while (stage.write(grouped(n, [{}, [n]])) && n < 100) n++;
  t.ok(n < 5, `write() returned false after ${n + 1} writes`);
  stage.end();
  const out = (await stage.toArray()) as MElement[][];
  t.same(
    out.flat().map((e) => e.value),
    Array.from({ length: n + 1 }, (_, i) => i),
  );
});

t.test('aggregate: destroy() mid-stream', async (t) => {
  const stage = aggregate('m.sum', sum);
  stage.write(grouped(1, [{}, [1]]));
  stage.destroy();
  await new Promise((r) => stage.on('close', r));
  t.ok(stage.destroyed);
});
