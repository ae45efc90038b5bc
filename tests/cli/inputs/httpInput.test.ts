import { once } from 'node:events';
import { connect } from 'node:net';
import t from 'tap';
import type { InputContext } from '../../../src/cli/inputs/CliInput.js';
import { httpInput } from '../../../src/cli/inputs/httpInput.js';
import type { Router } from '../../../src/cli/Router.js';
import { ndjsonFormat } from '../../../src/parsers/ndjsonFormat.js';
import type { ParsedElement } from '../../../src/parsers/ParsedElement.js';

/** A context whose router only collects, with what the input reports. */
function context() {
  const routed: ParsedElement[] = [];
  const logs: string[] = [];
  const failures: Error[] = [];
  const router = {
    route: (el: ParsedElement) => routed.push(el) > 0,
    backedUp: false,
    room: () => Promise.resolve(),
  } as unknown as Router;
  const ctx: InputContext = {
    router,
    format: () => ndjsonFormat(),
    maxLineLength: 1024,
    malformed: (_label, err) => logs.push(err.message),
    fail: (err) => failures.push(err),
    log: (m) => logs.push(m),
  };
  return { ctx, routed, logs, failures };
}

t.test('httpInput: a client that never finishes its headers is disconnected after headersTimeoutMs', async (t) => {
  const { ctx } = context();
  const input = httpInput(ctx, { port: 0, host: '127.0.0.1', headersTimeoutMs: 300 });
  const address = await input.start();
  const stuck = connect(address?.port as number, '127.0.0.1');
  stuck.on('error', () => {});
  let answer = '';
  stuck.on('data', (d) => (answer += d));
  await once(stuck, 'connect');
  stuck.write('POST / HTTP/1.1\r\nHost: x\r\n');
  const started = Date.now();
  const closed = await Promise.race([
    once(stuck, 'close').then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 5_000).unref()),
  ]);
  t.ok(closed, `the server closed the connection after ${Date.now() - started} ms`);
  t.match(answer, /^HTTP\/1\.1 408/, 'with 408 Request Timeout');
  input.stop();
  await input.done;
});

t.test('httpInput: stop() closes a stalled connection after stopGraceMs; the body read so far counts', async (t) => {
  const { ctx, routed } = context();
  const input = httpInput(ctx, { port: 0, host: '127.0.0.1', stopGraceMs: 200 });
  const address = await input.start();
  // A body that stalls mid-line after one complete line.
  const stalled = connect(address?.port as number, '127.0.0.1');
  stalled.on('error', () => {});
  let answer = '';
  stalled.on('data', (d) => (answer += d));
  await once(stalled, 'connect');
  stalled.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"name":"a","value":1}\n{"name":"b"');
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  input.stop();
  await input.done;
  t.ok(Date.now() - started < 3_000, `done ${Date.now() - started} ms after stop()`);
  t.same(
    routed.map((e) => e.name),
    ['a'],
    'the complete line was routed, the cut-off one dropped',
  );
  t.match(answer, /"accepted":1/, 'and the request answered');
  stalled.destroy();
});
