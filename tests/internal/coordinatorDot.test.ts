import { spawnSync } from 'node:child_process';
import t from 'tap';
import { coordinatorDot, dotString } from '../../src/internal/coordinatorDot.js';

const hasDot = spawnSync('dot', ['-V']).status === 0;
// .ci/run installs Graphviz: in CI a missing dot is a failure, never a skip.
if (!hasDot && process.env.CI === 'true') throw new Error('CI=true and dot is not installed: apt-get install graphviz');

t.test('coordinatorDot: streams as clusters of stages, the fan-in, sinks with their rate limits', async (t) => {
  const dot = coordinatorDot(
    [
      { name: 'requests', grouping: 'windowByTime(10)', outputs: ['requests.count'] },
      { name: 'latency', grouping: 'batchByCount(5)', outputs: ['latency.mean', 'latency.p99'] },
    ],
    [
      { label: 'MSinkPrinter', rateLimitMs: 0, capacity: 16 },
      { label: 'MSinkLogger', rateLimitMs: 1500, capacity: 16, detached: 'failed' },
    ],
  );
  t.match(dot, /^digraph MCoordinator \{/);
  t.match(dot, /subgraph cluster_s0 \{\n\s+label="MStream requests"/);
  t.match(dot, /s0_group \[label="windowByTime\(10\)"\]/);
  t.match(dot, /s0_agg0 -> s0_flat;/, 'one aggregation: no zip');
  t.notMatch(dot, /s0_zip/);
  t.match(dot, /s1_zip \[label="zipAggs"\]/, 'two aggregations are zipped');
  t.match(dot, /s1_agg1 \[label="aggregate\\nlatency.p99"\]/);
  t.match(dot, /input -> s1_group \[label="name = latency"\]/);
  t.match(dot, /s0_flat -> fanin;\n\s+s1_flat -> fanin;/);
  t.match(dot, /fanin -> k0 \[label="queue ≤ 16\\nno rate limit"\]/);
  t.match(dot, /fanin -> k1 \[label="queue ≤ 16\\n≥ 1.5 s apart"\]/);
  t.match(dot, /k1 \[label="MSinkLogger\\n\(failed\)"/);
});

t.test('coordinatorDot: no streams and no sinks is still a graph', async (t) => {
  const dot = coordinatorDot([], []);
  t.match(dot, /fanin/);
  t.match(dot, /\}\n$/);
});

t.test('coordinatorDot: labels are escaped', async (t) => {
  t.equal(dotString('a "b" \\ c\nd'), '"a \\"b\\" \\\\ c\\nd"');
  const dot = coordinatorDot([{ name: 'x" -> evil [', grouping: 'batchByCount(1)', outputs: ['x.count'] }], []);
  t.match(dot, /label="MStream x\\" -> evil \["/);
});

t.test('coordinatorDot: Graphviz accepts it', { skip: hasDot ? false : 'dot is not installed' }, async (t) => {
  const dot = coordinatorDot(
    [{ name: 'we"ird\\name', grouping: 'windowByTime(0.5)', outputs: ['a.b', 'a.c'] }],
    [{ label: 'function (anonymous)', rateLimitMs: 250, capacity: 1 }],
  );
  const out = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
  t.equal(out.status, 0, out.stderr);
  t.match(out.stdout, /<svg/);
});
