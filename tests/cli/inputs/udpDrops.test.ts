import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { udpDrops } from '../../../src/cli/inputs/udpDrops.js';

const dir = mkdtempSync(join(tmpdir(), 'metrix-udp-'));
const HEADER =
  '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';

t.test('udpDrops: sums the drops column of the rows bound to the port, over udp and udp6', async (t) => {
  const udp = join(dir, 'udp');
  const udp6 = join(dir, 'udp6');
  writeFileSync(
    udp,
    `${HEADER}  1: 0100007F:1FBD 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12345 2 0000000000000000 17\n` +
      '  2: 0100007F:1FBE 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12346 2 0000000000000000 99\n',
  );
  writeFileSync(
    udp6,
    `${HEADER}  3: 00000000000000000000000001000000:1FBD 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2 2 0000000000000000 3\n`,
  );
  t.equal(udpDrops(8125, [udp, udp6]), 20, 'port 8125 = 0x1FBD, both families');
  t.equal(udpDrops(9999, [udp, udp6]), 0, 'no row: none dropped');
  t.equal(udpDrops(8125, [join(dir, 'missing')]), undefined, 'no such file (not Linux): unknown');
});

t.test(
  'udpDrops: a real socket on Linux reads 0 drops',
  { skip: !existsSync('/proc/net/udp') && 'not Linux' },
  async (t) => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    t.equal(udpDrops(socket.address().port), 0);
    socket.close();
  },
);
