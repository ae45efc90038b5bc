import { prometheusName } from './transport/lineProtocols.js';

// promtool's lint (`promtool check metrics`, Prometheus 2.42) reports these unit abbreviations
// as words of a name (after the first); each is spelled out. `m` is the SI metre (minutes are `min`).
const SPELLED_OUT: Record<string, string> = {
  s: 'seconds',
  sec: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  b: 'bytes',
  kb: 'kilobytes',
  mb: 'megabytes',
  gb: 'gigabytes',
  tb: 'terabytes',
  pb: 'petabytes',
  m: 'meters',
  h: 'hours',
  d: 'days',
};
// promtool reports a metric type's name as a word of a metric name (after the first).
const TYPE_WORDS = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
// Suffixes promtool reserves: `_total` for counters, the others for histograms and summaries.
const RESERVED_SUFFIX = /_(total|count|sum|bucket)$/;

/**
 * The name of a Prometheus metric family for an element name, such that `promtool check
 * metrics` reports nothing about it (other than a unit that is not a base unit, which only the
 * user can change by measuring in seconds or bytes):
 *
 * - characters outside `[a-zA-Z0-9_]` become `_` (also `:`, which is for recording rules), a
 *   leading digit gets `_` in front;
 * - camelCase becomes snake_case and everything lower case (`httpRequests` → `http_requests`);
 * - abbreviated units are spelled out (`latency_ms` → `latency_milliseconds`, `size_kb` →
 *   `size_kilobytes`, `uptime_s` → `uptime_seconds`);
 * - a metric type's name as a word is dropped (`queue_gauge_last` → `queue_last`);
 * - the first word is kept as it is (promtool does not look at it: `ms_spent`, `m`);
 * - a **gauge** whose name ends in `_total`, `_count`, `_sum` or `_bucket` gets `_per_window`
 *   (`requests.count` → `requests_count_per_window`); a **counter** gets `_total` at the end.
 *
 * @internal
 */
export function prometheusFamilyName(name: string, type: 'gauge' | 'counter'): string {
  const snake = prometheusName(name)
    .replace(/:/g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  // promtool looks at the words after the first (`ms_spent` and `gauge_x` pass): so do we, and
  // a name of one word (`m`) stays as it is.
  const [first = '', ...rest] = snake.split('_');
  const words = [first, ...rest.filter((w) => !TYPE_WORDS.has(w)).map((w) => SPELLED_OUT[w] ?? w)];
  let out = words.join('_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  if (type === 'counter') return out.endsWith('_total') ? out : `${out}_total`;
  return RESERVED_SUFFIX.test(out) ? `${out}_per_window` : out;
}
