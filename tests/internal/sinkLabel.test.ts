import { Writable } from 'readable-stream';
import t from 'tap';
import { sinkLabel } from '../../src/internal/sinkLabel.js';
import { MSink } from '../../src/sinks/MSink.js';
import type { ObjectWritable } from '../../src/sinks/toSink.js';

t.test("sinkLabel: a sink's own toString(), else its class name", async (t) => {
  class MSinkArray extends MSink {
    protected handle(): void {}
  }
  t.equal(sinkLabel(new MSinkArray()), 'MSinkArray');
  t.equal(sinkLabel(new Writable({ objectMode: true }) as unknown as ObjectWritable), 'Writable');
  const custom = Object.assign(new Writable({ objectMode: true }), { toString: () => 'db (primary)' });
  t.equal(sinkLabel(custom as unknown as ObjectWritable), 'db (primary)');
  const anonymous = Object.assign(Object.create(null), { toString: () => '' });
  t.equal(sinkLabel(anonymous as ObjectWritable), 'Writable');
});
