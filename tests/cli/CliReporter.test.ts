import { PassThrough } from 'node:stream';
import t from 'tap';
import { CliReporter } from '../../src/cli/CliReporter.js';
import { MetrixError } from '../../src/MetrixError.js';
import { installClock } from '../helpers/clock.js';

function reporter() {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d) => (text += d));
  return { reporter: new CliReporter(stderr), text: () => text };
}

t.test('CliReporter: the first ten malformed lines one by one, then only a count', async (t) => {
  const r = reporter();
  for (let i = 1; i <= 12; i++)
    r.reporter.malformed('stdin', new MetrixError('ERR_METRIX_MALFORMED_LINE', `line ${i}`));
  t.equal(r.reporter.malformedCount, 12);
  const lines = r.text().trim().split('\n');
  t.equal(lines.length, 11);
  t.equal(lines[0], 'metrix-stream: skipped: stdin: line 1');
  t.equal(lines[10], 'metrix-stream: more malformed lines skipped; the count follows at the end');
});

t.test('CliReporter: progress in el/s with losses, erased before a message, average at the end', async (t) => {
  const clock = installClock(t);
  const r = reporter();
  let counts = { in: 0, out: 0, extra: { 'UDP dropped': 0 } };
  r.reporter.startProgress(() => counts);
  counts = { in: 1000, out: 2, extra: { 'UDP dropped': 0 } };
  clock.tick(500);
  counts = { in: 1500, out: 3, extra: { 'UDP dropped': 7 } };
  clock.tick(500);
  r.reporter.log('hello');
  r.reporter.stopProgress();
  r.reporter.finalSummary({ in: 1500, out: 3 });
  t.equal(
    r.text(),
    '\r\x1b[2Kmetrix-stream: 1000 in, 2 out, 2000 el/s' +
      '\r\x1b[2Kmetrix-stream: 1500 in, 3 out, 1000 el/s, 7 UDP dropped' +
      '\r\x1b[2Kmetrix-stream: hello\n' +
      'metrix-stream: 1500 in, 3 out, 1500 el/s on average over 1 s\n',
  );
});
