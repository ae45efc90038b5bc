// Shutting down without losing track: a sink that hangs is detached after its stall timeout while
// the others go on; close() is bounded by a deadline and says exactly what each sink missed;
// stats() shows the whole account; flushOnExit() would do the same close on Ctrl-C.
// Run: npx tsx examples/shutdown.ts
import {
  ErrorCode,
  flushOnExit,
  MCoordinator,
  type MElement,
  type MetrixDeliveryError,
  MetrixError,
  MSinkPrinter,
  MStream,
  mean,
} from '../src/index.js';

// A database client whose promise never settles: the fault that used to stop every sink.
const hung = (_element: MElement) => new Promise<void>(() => {});
// A slow one: a tenth of a second per element.
const slow = (_element: MElement) => new Promise<void>((resolve) => setTimeout(resolve, 100));

const mc = new MCoordinator({
  // Streams made on demand for each new name, at most 10 of them.
  onUnknown: { create: (name) => new MStream(name, { agg: mean, batchSize: 5 }) },
  maxStreams: 10,
  defaultTags: { host: 'web-1' },
  prefix: 'app.',
  msinks: [new MSinkPrinter(), hung, slow],
  stallTimeoutMs: 300,
});
mc.on('sinkError', (err: MetrixError) => console.log(`sinkError ${err.code}: ${err.message}`));
const removeSignalHandlers = flushOnExit(mc, { timeoutMs: 2000 });

for (let i = 0; i < 50; i++) mc.send(i % 2 ? 'latency_ms' : 'queue_depth', i);

try {
  // The slow sink needs 100 ms for each of its 10 elements; the deadline leaves it 800 ms.
  await mc.close({ timeoutMs: 800 });
} catch (err) {
  if (!MetrixError.is(err, ErrorCode.CLOSE_TIMEOUT)) throw err;
  console.log(`close(): ${err.message}`);
  for (const u of (err as MetrixDeliveryError).undelivered)
    console.log(`  ${u.label}: ${u.count} not delivered (${u.state})`);
}
removeSignalHandlers();

const stats = mc.stats();
console.log(`in ${stats.elementsIn}, out ${stats.elementsOut}, detached ${stats.detached}`);
for (const s of stats.sinks) {
  console.log(
    `  #${s.index} ${s.label}: ${s.state}, ${s.out} of ${s.in} delivered, dropped ${JSON.stringify(s.dropped)}`,
  );
}
