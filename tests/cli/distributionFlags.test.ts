// The flags of the two tiers (--forward, --source, --merge, --partitions, --merge-idle), parsed
// and resolved; the run itself is tested in mainDistribution.test.ts, startForwarding.test.ts
// and startMerge.test.ts.
import t from 'tap';
import { parseCliArgs } from '../../src/cli/parseCliArgs.js';
import { resolveConfig } from '../../src/cli/resolveConfig.js';
import { ErrorCode } from '../../src/MetrixError.js';

const flags = (argv: string[]) => {
  const command = parseCliArgs(argv);
  if (command.kind !== 'run') throw new Error(`not a run: ${command.kind}`);
  return resolveConfig(command.flags);
};

t.test('distribution flags: --forward and --merge become the modes', async (t) => {
  t.same(flags(['--forward', 'nats://127.0.0.1:4222']).forward, { url: 'nats://127.0.0.1:4222' });
  t.same(flags(['--forward', 'nats://h:1', '--source', 'edge-1']).forward, { url: 'nats://h:1', source: 'edge-1' });
  t.same(
    flags(['--merge', 'nats://h:1', '--partitions', '0, 2,4', '--merge-idle', '0.5', '--allowed-lateness', '30']).merge,
    { url: 'nats://h:1', owned: [0, 2, 4], idleMs: 500, allowedDelayMs: 30_000 },
  );
  const plain = flags([]);
  t.equal(plain.forward, undefined);
  t.equal(plain.merge, undefined);
});

t.test('distribution flags: misuse is a usage error (ERR_METRIX_INVALID_ARGUMENT)', async (t) => {
  const bad = [
    ['--forward', 'http://h:1'],
    ['--forward', 'nats://h:1', '--merge', 'nats://h:1'],
    ['--forward', 'nats://h:1', '--batch', '10'],
    ['--source', 'a'],
    ['--partitions', '1'],
    ['--merge-idle', '1'],
    ['--merge', 'nats://h:1', 'file.ndjson'],
    ['--merge', 'nats://h:1', '--statsd-port', '0'],
    ['--merge', 'nats://h:1', '--partitions', '8'],
    ['--merge', 'nats://h:1', '--merge-idle', '0'],
  ];
  for (const argv of bad) t.throws(() => flags(argv), { code: ErrorCode.INVALID_ARGUMENT }, argv.join(' '));
});
