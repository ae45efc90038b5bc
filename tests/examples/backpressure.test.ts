import t from 'tap';
import { runBackpressure } from '../../examples/backpressure.js';

t.test('examples/backpressure: elements in flight stay bounded whatever the volume', async (t) => {
  const small = await runBackpressure(20_000, true);
  const large = await runBackpressure(60_000, true);
  t.equal(small.aggregates, 10_000, 'nothing lost');
  t.equal(large.aggregates, 30_000, 'nothing lost');
  // The buffers between producer and sink hold a fixed number of elements (~1.5k measured),
  // independent of how many are sent.
  t.ok(large.maxInFlight < 5000, `in flight ${large.maxInFlight} < 5000`);
  t.ok(large.maxInFlight < small.maxInFlight * 2 + 500, 'three times the volume, not three times the buffer');
});

t.test('examples/backpressure: ignoring write() === false queues everything', async (t) => {
  const naive = await runBackpressure(20_000, false);
  t.equal(naive.aggregates, 10_000);
  t.equal(naive.maxInFlight, 20_000, 'every element was buffered at once');
});
