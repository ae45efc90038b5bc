import t from 'tap';
import { startIngestServer } from '../../examples/http-ingest.js';

t.test('examples/http-ingest: POSTed NDJSON reaches the coordinator and /metrics', async (t) => {
  // A one-hour window: nothing is emitted until close() flushes it — no timing in this test.
  const server = await startIngestServer({ windowSize: 3600, print: false });
  const post = async (body: string) => {
    const res = await fetch(`${server.url}/ingest`, { method: 'POST', body });
    return { status: res.status, body: await res.json() };
  };
  const answers = await Promise.all([
    post(
      '{"name":"requests","value":1,"tags":{"route":"/a"}}\n{"name":"latency_ms","value":10,"tags":{"route":"/a"}}\n',
    ),
    post(
      '{"name":"requests","value":1,"tags":{"route":"/a"}}\r\n{"name":"latency_ms","value":30,"tags":{"route":"/a"}}',
    ),
    post('{"name":"requests","value":1,"tags":{"route":"/b"}}\n{"name":"nobody","value":1}\n{"name":"requests"}\n'),
  ]);
  t.same(answers[0], { status: 200, body: { accepted: 2, malformed: 0, errors: [] } });
  t.same(answers[1], { status: 200, body: { accepted: 2, malformed: 0, errors: [] } });
  t.equal(answers[2]?.status, 400);
  t.match(answers[2]?.body, { accepted: 2, malformed: 1, errors: [/line 3: "value" must be a finite number/] });
  t.equal((await fetch(`${server.url}/elsewhere`)).status, 404);
  t.equal((await fetch(`${server.url}/metrics`).then((r) => r.text())).trim(), '', 'nothing aggregated yet');

  await server.close();
  t.equal(server.coordinator.unknownCount, 1, 'the unknown metric was dropped, not fatal');
  const metrics = server.prometheus.exposition();
  // MSinkPrometheus's names pass promtool's lint: `_count` on a gauge and `ms` are renamed.
  t.match(metrics, /^requests_count_per_window\{route="\/a"\} 2$/m);
  t.match(metrics, /^requests_count_per_window\{route="\/b"\} 1$/m);
  t.match(metrics, /^latency_milliseconds_mean\{route="\/a"\} 20$/m);
  t.match(metrics, /^latency_milliseconds_max\{route="\/a"\} 30$/m);
});
