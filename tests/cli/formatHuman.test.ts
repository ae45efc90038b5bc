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
