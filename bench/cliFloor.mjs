// The floors of the CLI question: `node bench/cliFloor.mjs ndjson|statsd FILE` reads FILE with
// readline and parses each line as cheaply as plain code can — JSON.parse for NDJSON, split for
// StatsD — then prints the line count and the sum of the values (so that no work is skipped).
// Plain JavaScript, run by node itself: its start-up must cost what the built command's does.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const [format, file] = process.argv.slice(2);
if ((format !== 'ndjson' && format !== 'statsd') || file === undefined) {
  console.error('usage: node bench/cliFloor.mjs ndjson|statsd FILE');
  process.exit(2);
}
let lines = 0;
let total = 0;
let tagCount = 0;
const input = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
for await (const line of input) {
  if (line.length === 0) continue;
  lines++;
  if (format === 'ndjson') {
    const element = JSON.parse(line);
    total += element.value;
    if (element.tags !== undefined) tagCount++;
  } else {
    // name:value|type|#tag:v,…
    const fields = line.split('|');
    const head = fields[0].split(':');
    total += Number(head[1]);
    for (let f = 2; f < fields.length; f++)
      if (fields[f].startsWith('#')) tagCount += fields[f].slice(1).split(',').length;
  }
}
console.log(JSON.stringify({ lines, total, tagCount }));
