import { createSocket } from 'node:dgram';
import t from 'tap';
import type { InputContext } from '../../../src/cli/inputs/CliInput.js';
import { udpInput } from '../../../src/cli/inputs/udpInput.js';
import type { Router } from '../../../src/cli/Router.js';
import type { MetrixError } from '../../../src/MetrixError.js';
import type { ParsedElement } from '../../../src/parsers/ParsedElement.js';
import { statsdFormat } from '../../../src/parsers/statsdFormat.js';
import { until } from '../../helpers/until.js';

t.test('udpInput: each datagram alone; dropped and counted while the router is backed up', async (t) => {
  const routed: ParsedElement[] = [];
  const malformed: MetrixError[] = [];
  const router = { route: (el: ParsedElement) => routed.push(el) > 0, backedUp: false, room: () => Promise.resolve() };
  const ctx: InputContext = {
    router: router as unknown as Router,
    format: () => statsdFormat(),
    maxLineLength: 64,
    malformed: (_label, err) => malformed.push(err),
    fail: (err) => t.fail(err.message),
    log: () => {},
  };
  const input = udpInput(ctx, { port: 0, host: '127.0.0.1', recvBufferBytes: 1 << 20 });
  const address = await input.start();
  const socket = createSocket('udp4');
  const send = (text: string) =>
    new Promise<void>((resolve) => socket.send(text, address?.port as number, '127.0.0.1', () => resolve()));
  await send('a:1|c\na:2');
  await send('|c\nb:1|c');
  await until(() => (input.counts().datagrams ?? 0) >= 2, 'two datagrams', 10_000);
  t.same(
    routed.map((e) => e.name),
    ['a', 'b'],
    'a:2 and |c were two datagrams: neither merged with the other',
  );
  t.equal(malformed.length, 2);
  t.match(malformed[0]?.message, /datagram from 127\.0\.0\.1:\d+, line 2: the type is missing/);
  t.match(malformed[1]?.message, /line 1: expected <name>:<value>\|<type>, found no ":"/);
  router.backedUp = true;
  await send('c:1|c');
  await until(() => (input.counts().datagrams ?? 0) >= 3, 'the third datagram', 10_000);
  t.equal(input.counts().dropped, 1, 'no backpressure in UDP: dropped and counted');
  t.equal(routed.length, 2);
  await send(`d:1|c|#${'x'.repeat(100)}`);
  router.backedUp = false;
  await send(`d:1|c|#${'x'.repeat(100)}`);
  await until(() => malformed.length >= 3, 'the long line reported', 10_000);
  t.match(malformed[2]?.message, /line 1: the line is longer than 64 bytes/);
  socket.close();
  input.stop();
  await input.done;
});
