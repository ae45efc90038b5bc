import t from 'tap';
import { formatHuman, formatValue } from '../../src/cli/formatHuman.js';
import { MElement } from '../../src/MElement.js';

t.test('formatHuman: time, name with tags, rounded value', async (t) => {
  const el = new MElement('words.mean', 1570 / 3, {
    tags: { section: 'sport', lang: 'en' },
    time: Date.UTC(2024, 0, 1, 0, 1),
  });
  t.equal(formatHuman(el), '2024-01-01T00:01:00.000Z  words.mean{section=sport,lang=en}  523.333\n');
  t.equal(formatHuman(new MElement('n', 3, { time: 0 })), '1970-01-01T00:00:00.000Z  n  3\n');
});

t.test('formatHuman: formatValue keeps integers and 6 significant digits', async (t) => {
  t.equal(formatValue(42), '42');
  t.equal(formatValue(-0.000123456789), '-0.000123457');
  t.equal(formatValue(1e21), '1e+21');
  t.equal(formatValue(2.5), '2.5');
});

t.test('formatHuman: a tag value with a newline, quote, space or separator is quoted and escaped', async (t) => {
  const el = new MElement('req.count', 1, {
    tags: { path: '/a b', note: 'x\ny', q: 'say "hi"', forged: 'v,k=w}', empty: '', 'odd key': 'ok' },
    time: 0,
  });
  const line = formatHuman(el);
  t.equal(line.split('\n').length, 2, 'one aggregate is one line');
  t.equal(
    line,
    '1970-01-01T00:00:00.000Z  req.count{path="/a b",note="x\\ny",q="say \\"hi\\"",forged="v,k=w}",empty="","odd key"=ok}  1\n',
  );
  t.equal(formatHuman(new MElement('a b', 1, { time: 0 })), '1970-01-01T00:00:00.000Z  "a b"  1\n', 'names too');
  t.equal(
    formatHuman(new MElement('http.p99', 1, { tags: { route: '/api/v1', host: 'web-1:80', é: 'ü' }, time: 0 })),
    '1970-01-01T00:00:00.000Z  http.p99{route=/api/v1,host=web-1:80,é=ü}  1\n',
    'plain text stays bare',
  );
});
