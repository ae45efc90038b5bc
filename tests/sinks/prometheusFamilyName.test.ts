import t from 'tap';
import { prometheusFamilyName } from '../../src/sinks/prometheusFamilyName.js';

t.test('prometheusFamilyName: gauges, the rules one by one', async (t) => {
  const cases: Array<[string, string]> = [
    ['latency.p99', 'latency_p99'],
    ['9 lives', '_9_lives'],
    ['jobs:rate', 'jobs_rate'],
    ['httpRequests.mean', 'http_requests_mean'],
    ['HTTPServer', 'httpserver'],
    ['latency_ms.mean', 'latency_milliseconds_mean'],
    ['size.kb', 'size_kilobytes'],
    ['uptime_s', 'uptime_seconds'],
    ['ms_spent', 'ms_spent'], // the first word stays
    ['m', 'm'],
    ['queue.gauge.last', 'queue_last'],
    ['counter', 'counter'],
    ['requests.count', 'requests_count_per_window'],
    ['bytes.sum', 'bytes_sum_per_window'],
    ['hits_total', 'hits_total_per_window'],
    ['le.bucket', 'le_bucket_per_window'],
    ['requests.rate', 'requests_rate'],
  ];
  for (const [name, want] of cases) t.equal(prometheusFamilyName(name, 'gauge'), want, name);
});

t.test('prometheusFamilyName: counters end in _total, once', async (t) => {
  t.equal(prometheusFamilyName('requests', 'counter'), 'requests_total');
  t.equal(prometheusFamilyName('bytes.sum', 'counter'), 'bytes_sum_total');
  t.equal(prometheusFamilyName('hits_total', 'counter'), 'hits_total');
  t.equal(prometheusFamilyName('latency_ms.sum', 'counter'), 'latency_milliseconds_sum_total');
});
