import fc from 'fast-check';
import t from 'tap';
import { MElement } from '../../../src/MElement.js';
import {
  graphiteLine,
  graphiteName,
  graphiteTagName,
  graphiteTagValue,
  influxKey,
  influxLine,
  influxMeasurement,
  openTsdbJson,
  openTsdbString,
  openTsdbTelnetLine,
  prometheusLabelName,
  prometheusLabels,
  prometheusLabelValue,
  prometheusName,
  sanitizeTags,
  wholeMs,
  wholeSeconds,
} from '../../../src/sinks/transport/lineProtocols.js';

const T = 1_700_000_123_456.7;
const el = (name: string, value: number, tags: Record<string, string> = {}, time = T) =>
  new MElement(name, value, { tags, time });

// Strings rich in the characters the formats care about, plus anything else.
const special = fc.constantFrom(
  '\\',
  ',',
  '=',
  ' ',
  '"',
  ';',
  '~',
  '!',
  '^',
  '#',
  '\n',
  '\r',
  '\t',
  '_',
  'a',
  'é',
  '😀',
);
const nasty = fc.oneof(fc.string({ unit: special, maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 }));
const tagsArb = fc.dictionary(nasty, nasty, { maxKeys: 4 });

t.test('lineProtocols: timestamps are truncated, never rounded up', async (t) => {
  t.equal(wholeMs(1999.9), 1999);
  t.equal(wholeSeconds(1999.9), 1);
  t.equal(wholeSeconds(2000), 2);
});

t.test(
  'lineProtocols: sanitizeTags drops empty names/values, sorts, first original name wins a collision',
  async (t) => {
    const keep = (s: string) => s.replace(/[^a-z]/g, '_');
    t.same(
      sanitizeTags({ b: '1', a: '2', '': 'x', c: '' }, keep, (v) => v),
      [
        ['a', '2'],
        ['b', '1'],
      ],
    );
    // 'a.b' and 'a b' both become 'a_b'; 'a b' sorts first.
    t.same(
      sanitizeTags({ 'a.b': 'dot', 'a b': 'space' }, keep, (v) => v),
      [['a_b', 'space']],
    );
    t.same(sanitizeTags({}, keep, keep), []);
  },
);

t.test('lineProtocols: OpenTSDB telnet line', async (t) => {
  t.equal(
    openTsdbTelnetLine(el('sys.cpu', 1.5, { host: 'web 1', 'dc=': 'eu/west', z: 'ü' })),
    'put sys.cpu 1700000123 1.5 dc_=eu/west host=web_1 z=ü',
  );
  t.equal(openTsdbTelnetLine(el('m', 3)), 'put m 1700000123 3');
  t.equal(openTsdbString('a😀b'), 'a_b', 'a character outside the BMP is one _');
  t.equal(openTsdbString('Ωmega-1_./'), 'Ωmega-1_./');
});

t.test('lineProtocols: OpenTSDB JSON point with a millisecond timestamp', async (t) => {
  t.same(JSON.parse(openTsdbJson(el('m.x', -2, { 'a b': 'c' }))), {
    metric: 'm.x',
    timestamp: 1_700_000_123_456,
    value: -2,
    tags: { a_b: 'c' },
  });
  const proto = JSON.parse(openTsdbJson(el('m', 1, JSON.parse('{"__proto__":"p"}'))));
  t.equal(Object.getOwnPropertyDescriptor(proto.tags, '__proto__')?.value, 'p', '__proto__ is an ordinary tag');
});

t.test(
  'lineProtocols: OpenTSDB fields stay within its character set and the line splits back (property)',
  async (t) => {
    fc.assert(
      fc.property(
        nasty.filter((s) => s.length > 0),
        tagsArb,
        (name, tags) => {
          const line = openTsdbTelnetLine(el(name, 1, tags));
          const parts = line.split(' ');
          if (parts[0] !== 'put' || parts[1] !== openTsdbString(name)) return false;
          const expected = sanitizeTags(el(name, 1, tags).tags, openTsdbString, openTsdbString);
          const got = parts.slice(4).map((kv) => kv.split('='));
          const allowed = (x: string) => /^[A-Za-z0-9\-_./\p{L}]+$/u.test(x);
          return (
            JSON.stringify(got) === JSON.stringify(expected) && allowed(parts[1] as string) && got.flat().every(allowed)
          );
        },
      ),
    );
    t.pass('the property held');
  },
);

t.test('lineProtocols: Graphite line with tags', async (t) => {
  t.equal(
    graphiteLine(el('a.b c', 2, { 'x;y': '~v;w', 'k!^=': 'v=1', e: '' })),
    'a.b_c;k___=v=1;x_y=_v_w 2 1700000123',
  );
  t.equal(graphiteName('a\tb'), 'a_b');
  t.equal(graphiteTagName('a=b'), 'a_b');
  t.equal(graphiteTagValue('~x~'), '_x~');
});

t.test('lineProtocols: a Graphite line splits back into path, tags, value, time (property)', async (t) => {
  fc.assert(
    fc.property(
      nasty.filter((s) => s.length > 0),
      tagsArb,
      (name, tags) => {
        const line = graphiteLine(el(name, 7, tags));
        const fields = line.split(/\s/);
        if (fields.length !== 3 || fields[1] !== '7' || fields[2] !== '1700000123') return false;
        const [path, ...pairs] = (fields[0] as string).split(';');
        if (path !== graphiteName(name)) return false;
        const back = pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]);
        const expected = sanitizeTags(el(name, 7, tags).tags, graphiteTagName, graphiteTagValue);
        return (
          JSON.stringify(back) === JSON.stringify(expected) && back.every(([k, v]) => k !== '' && !v?.startsWith('~'))
        );
      },
    ),
  );
  t.pass('the property held');
});

/**
 * A reference line-protocol reader, written from the reference's rules and VictoriaMetrics'
 * parser: separators are `,` `=` and space when preceded by an even number of backslashes; a
 * backslash before a backslash or a special character escapes it, elsewhere it is literal.
 */
function unescapeInflux(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const next = s[i + 1];
    if (c === '\\' && next !== undefined && '\\,= '.includes(next)) {
      out += next;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function splitUnescaped(s: string, sep: string, limit = Number.POSITIVE_INFINITY): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length && parts.length < limit - 1; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === sep) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function readInfluxLine(line: string) {
  const [key, fields, time] = splitUnescaped(line, ' ');
  const [measurement, ...tagParts] = splitUnescaped(key as string, ',');
  const tags = tagParts.map((p) => splitUnescaped(p, '=', 2).map(unescapeInflux));
  const [field, value] = splitUnescaped(fields as string, '=', 2);
  return {
    measurement: unescapeInflux(measurement as string),
    tags,
    field: unescapeInflux(field as string),
    value,
    time,
  };
}

t.test('lineProtocols: Influx escaping of measurement, tags and field', async (t) => {
  t.equal(
    influxLine(el('cpu load,1=x', 0.5, { 'host name': 'a,b=c', r: 'C:\\temp', e: 'ends\\' }), 'value'),
    'cpu\\ load\\,1=x,e=ends\\\\,host\\ name=a\\,b\\=c,r=C:\\temp value=0.5 1700000123456',
  );
  t.equal(influxMeasurement('#comment'), '_comment', 'a leading # would make the line a comment');
  t.equal(influxMeasurement('a\\=b'), 'a\\\\=b', 'a backslash before = is doubled in a measurement');
  t.equal(influxKey('a\\\\b'), 'a\\\\\\b', 'two backslashes: the first doubled, the second literal');
  t.equal(influxKey('line\nbreak'), 'line_break');
});

t.test('lineProtocols: an Influx line reads back to exactly the sanitised parts (property)', async (t) => {
  const noControl = (s: string) => s.replace(/\p{Cc}/gu, '_');
  fc.assert(
    fc.property(
      nasty.filter((s) => s.length > 0),
      tagsArb,
      nasty.filter((s) => s.length > 0),
      (name, tags, field) => {
        const element = el(name, 3.25, tags);
        const line = influxLine(element, influxKey(field));
        if (/[\n\r]/.test(line)) return false;
        const back = readInfluxLine(line);
        const expectedName = noControl(name).startsWith('#') ? `_${noControl(name).slice(1)}` : noControl(name);
        // Order aside (the line sorts by escaped name): the same tags.
        const sorted = (pairs: string[][]) => JSON.stringify([...pairs].sort());
        const expectedTags = sanitizeTags(element.tags, noControl, noControl);
        return (
          back.measurement === expectedName &&
          sorted(back.tags) === sorted(expectedTags) &&
          back.field === noControl(field) &&
          back.value === '3.25' &&
          back.time === '1700000123456'
        );
      },
    ),
    { numRuns: 500 },
  );
  t.pass('the property held');
});

t.test('lineProtocols: Prometheus names, label names and escaped label values', async (t) => {
  t.equal(prometheusName('latency.p99'), 'latency_p99');
  t.equal(prometheusName('9lives'), '_9lives');
  t.equal(prometheusName('a:b'), 'a:b');
  t.equal(prometheusLabelName('__name__'), '_name__');
  t.equal(prometheusLabelName('a:b'), 'a_b');
  t.equal(prometheusLabelName('1x'), '_1x');
  t.equal(prometheusLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  t.equal(prometheusLabels({ b: 'x', a: 'y"' }), '{a="y\\"",b="x"}');
  t.equal(prometheusLabels({}), '');
  t.equal(prometheusLabels({ a: '' }), '', 'an empty label value is the same as no label');
});

t.test('lineProtocols: Prometheus label values read back exactly, names are valid (property)', async (t) => {
  const unescapeValue = (s: string) => s.replace(/\\(.)/gsu, (_, c: string) => (c === 'n' ? '\n' : c));
  fc.assert(
    fc.property(nasty, nasty, (name, value) => {
      const n = prometheusName(name.length > 0 ? name : 'x');
      const l = prometheusLabelName(name);
      return (
        /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(n) &&
        (l === '' || (/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l) && !l.startsWith('__'))) &&
        unescapeValue(prometheusLabelValue(value)) === value &&
        !prometheusLabelValue(value).includes('\n')
      );
    }),
  );
  t.pass('the property held');
});
