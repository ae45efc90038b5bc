// Read raw metrics from an NDJSON file with fs, aggregate two metrics in an MCoordinator, and
// write the aggregates both to the terminal (MSinkPrinter) and to an NDJSON file (MSinkNDJSON).
// Run: npx tsx examples/fs-ndjson.ts
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  count,
  MCoordinator,
  MSinkNDJSON,
  MSinkPrinter,
  MStream,
  max,
  mean,
  parseNDJSON,
  percentile,
} from '../src/index.js';

const input = new URL('./data/requests.ndjson', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'metrix-fs-ndjson-'));
const output = join(dir, 'aggregates.ndjson');

const mc = new MCoordinator({
  mstreams: [
    // Requests per route and status, counted in batches of 5 requests.
    new MStream('requests', { agg: count, batchSize: 5 }),
    // Latency per route over one-minute windows: the file is read in far less than a minute, so
    // the window is still open at the end of input — closing flushes it, nothing is lost.
    new MStream('latency_ms', { agg: [mean, max, percentile(90)], windowSize: 60 }),
  ],
  msinks: [new MSinkPrinter(), new MSinkNDJSON(createWriteStream(output))],
});
console.log(mc.toString());

// The end of the file ends the coordinator: it flushes every stream, delivers every aggregate to
// both sinks, ends them (the output file is complete) and only then lets pipeline() resolve.
await pipeline(createReadStream(input), parseNDJSON(), mc);

const lines = readFileSync(output, 'utf8').trim().split('\n');
console.log(`\n${lines.length} aggregates written to ${output}, e.g.\n${lines[0]}`);
rmSync(dir, { recursive: true, force: true });
