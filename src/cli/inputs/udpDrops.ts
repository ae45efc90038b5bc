import { readFileSync } from 'node:fs';

/**
 * The datagrams the kernel dropped for the UDP sockets bound to `port` (Linux): the sum of the
 * `drops` column of the rows of `/proc/net/udp` and `/proc/net/udp6` whose local port is `port`
 * — datagrams that arrived while the socket's receive buffer was full, lost before the program
 * could see them. `undefined` where those files do not exist (not Linux) or cannot be read.
 *
 * `/proc/net/udp` row: `sl local_address rem_address st tx_queue rx_queue tr tm->when retrnsmt
 * uid timeout inode ref pointer drops`, addresses as `HEXADDR:HEXPORT`.
 */
export function udpDrops(
  port: number,
  files: readonly string[] = ['/proc/net/udp', '/proc/net/udp6'],
): number | undefined {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let total: number | undefined;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    total ??= 0;
    for (const row of text.split('\n').slice(1)) {
      const columns = row.trim().split(/\s+/);
      if (columns.length < 13 || !columns[1]?.endsWith(suffix)) continue;
      const drops = Number(columns[columns.length - 1]);
      if (Number.isSafeInteger(drops)) total += drops;
    }
  }
  return total;
}
