import { setOwn } from '../internal/setOwn.js';
import { keyFromTags } from '../key.js';
import type { Tags } from '../MElement.js';
import { LineParser, type LineParserOptions } from './LineParser.js';
import type { ParsedElement } from './ParsedElement.js';

/**
 * The StatsD metric types {@link parseStatsD} accepts: counter, timer, histogram, distribution
 * and gauge.
 */
export type StatsDType = 'c' | 'ms' | 'h' | 'd' | 'g';

/** What {@link parseStatsD} emits: a {@link ParsedElement} that also tells its StatsD type. */
export interface StatsDElement extends ParsedElement {
  /**
   * The StatsD type the value was sent as, so that a router can pick the aggregations that
   * reproduce the daemon's figures (see {@link statsdAggregations}). MStream and MCoordinator
   * ignore it.
   */
  type: StatsDType;
}

/** Options of {@link parseStatsD}. */
export type ParseStatsDOptions = LineParserOptions;

/** A StatsD number: decimal, optional sign and exponent; no hex, no `Infinity`, no spaces. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function toNumber(text: string, what: string): number {
  const n = NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`${what} ${JSON.stringify(text)} is not a finite decimal number`);
  return n;
}

class StatsDParser extends LineParser {
  /** Current value of every gauge series (name + tag key), for `+`/`-` deltas, as StatsD keeps it. */
  readonly #gauges = new Map<string, number>();

  protected parseLine(text: string): StatsDElement | StatsDElement[] {
    const colon = text.indexOf(':');
    if (colon === -1) throw new Error('expected <name>:<value>|<type>, found no ":"');
    const name = text.slice(0, colon).trim();
    if (name.length === 0) throw new Error('the metric name is empty');
    if (name.includes('|'))
      throw new Error(`expected <name>:<value>|<type>, found "|" in the name ${JSON.stringify(name)}`);
    const fields = text.slice(colon + 1).split('|');
    const type = fields[1]?.trim();
    if (type === undefined || type === '') throw new Error('the type is missing (expected |c, |ms, |h, |d or |g)');
    if (type === 's') {
      throw new Error(
        'StatsD sets (|s) are not supported: a set counts distinct strings, which is not a numeric value; send a counter or a gauge instead',
      );
    }
    if (type !== 'c' && type !== 'ms' && type !== 'h' && type !== 'd' && type !== 'g') {
      throw new Error(`unknown type ${JSON.stringify(type)} (expected c, ms, h, d or g)`);
    }
    let sampleRate = 1;
    let tags: Tags | undefined;
    let time: number | undefined;
    for (let i = 2; i < fields.length; i++) {
      const field = fields[i] as string;
      const head = field.charAt(0);
      if (head === '@') {
        sampleRate = toNumber(field.slice(1), 'sample rate');
        if (!(sampleRate > 0 && sampleRate <= 1)) throw new Error(`sample rate ${field} is not in (0, 1]`);
      } else if (head === '#') {
        tags = parseTags(field.slice(1));
      } else if (head === 'T') {
        time = toNumber(field.slice(1), 'timestamp') * 1000;
      } else if (field.startsWith('c:')) {
        // DogStatsD container id: describes the sender, not the metric; ignored.
      } else {
        throw new Error(`unexpected field ${JSON.stringify(field)} (expected @<rate>, #<tags> or T<seconds>)`);
      }
    }
    // DogStatsD's multi-value form `name:1:2:3|ms` sends several values of one type.
    const texts = (fields[0] as string).split(':');
    const out: StatsDElement[] = [];
    for (const valueText of texts) {
      const v = valueText.trim();
      let value = toNumber(v, 'value');
      if (type === 'c') {
        // The daemon adds value × (1 / rate): a counter sampled at 10 % counts each hit ten times.
        value = value / sampleRate;
      } else if (type === 'ms') {
        if (value < 0) throw new Error(`timer value ${v} is negative`);
      } else if (type === 'g') {
        const series = tags === undefined ? name : `${name}\u0000${keyFromTags(tags)}`;
        // A signed value is a delta from the current value (0 when unseen), as the daemon does.
        if (v.charCodeAt(0) === 0x2b || v.charCodeAt(0) === 0x2d) value += this.#gauges.get(series) ?? 0;
        this.#gauges.set(series, value);
      }
      const element: StatsDElement = { name, value, type };
      if (tags !== undefined) element.tags = tags;
      if (time !== undefined) element.time = time;
      out.push(element);
    }
    return out.length === 1 ? (out[0] as StatsDElement) : out;
  }
}

/** `k:v,flag,k2:v:with:colons` → `{ k: 'v', flag: '', k2: 'v:with:colons' }` */
function parseTags(text: string): Tags | undefined {
  const tags: Record<string, string> = {};
  let any = false;
  for (const pair of text.split(',')) {
    if (pair.length === 0) continue;
    const colon = pair.indexOf(':');
    const tagName = colon === -1 ? pair : pair.slice(0, colon);
    if (tagName.length === 0) throw new Error(`tag ${JSON.stringify(pair)} has an empty name`);
    setOwn(tags, tagName, colon === -1 ? '' : pair.slice(colon + 1));
    any = true;
  }
  return any ? Object.freeze(tags) : undefined;
}

/**
 * Makes a Transform that parses the StatsD line protocol (with DogStatsD tags) into
 * {@link StatsDElement} objects `{ name, value, type, tags?, time? }`, ready for an
 * {@link MCoordinator}.
 *
 * One metric per line, several lines per packet or chunk:
 * `<name>:<value>[:<value>…]|<type>[|@<sample rate>][|#<tag>:<value>,…][|T<unix seconds>]`.
 * Lines are split as described in {@link LineParser} (any chunking, `\n` or `\r\n`, blank lines
 * skipped, the last line needs no newline, lines bounded by `maxLineLength`). A UDP datagram
 * written as one chunk should end with a newline, or its last line merges with the next datagram.
 *
 * How each type becomes elements, and which aggregation over the same interval gives what the
 * StatsD daemon reports for it (the daemon's flush interval = the stream's `windowSize`):
 *
 * | type | element value | daemon figure → aggregation |
 * | --- | --- | --- |
 * | `c` counter | `value / sampleRate` | `stats.counters.<name>.count` → {@link sum}; `.rate` → sum ÷ window seconds |
 * | `ms` timer | `value` (sample rate ignored, as by the daemon) | `mean` → {@link mean}, `upper` → {@link max}, `lower` → {@link min}, `upper_<p>` → {@link percentile}(p), `median` → {@link median}, `sum` → {@link sum}, `count` → {@link count} (at sample rate 1 only: the daemon counts each sampled value 1/rate times) |
 * | `h`, `d` histogram, distribution | as `ms` (DogStatsD semantics; negative values allowed) | as `ms`. The Etsy daemon itself treats `h` and `d` as counters |
 * | `g` gauge | the value; `+n`/`-n` add to the series' current value (0 when unseen) | the gauge → {@link last} |
 * | `s` set | rejected (malformed line) | — |
 *
 * Tags: `#k:v,k2:v2` (split at the first `:`; a tag without `:` gets the value `''`). Tags do not
 * change the name: they make separate series (a gauge's delta applies to its own tag set), as
 * groups of one MStream. Timer `std` differs: the daemon reports the population standard
 * deviation, {@link stdev} the sample one. The daemon also reports counters as `0` and repeats
 * gauges in intervals with no data; an MStream emits nothing for an empty window.
 *
 * Malformed lines (no `:`, empty name, missing or unknown type, a set, a value that is not a
 * decimal number, a negative `ms`, a sample rate outside `(0, 1]`, an unknown field) fail the
 * stream or are skipped, as {@link LineParserOptions.onMalformed} says. The values of a line are
 * all accepted or all rejected. The daemon's other quirks are not copied: it accepts hex and
 * `Infinity`, sample rates above 1 and unsanitized names are changed by it.
 *
 * `hits:1|c|@0.1⏎latency:12|ms|#route:/a⏎temp:20|g⏎temp:-3|g` →
 * `{hits, 10, c}`, `{latency, 12, ms, {route:'/a'}}`, `{temp, 20, g}`, `{temp, 17, g}`
 *
 * @param options - See {@link LineParserOptions}.
 * @returns The parser, a {@link LineParser} (a Transform with `lineCount` and `malformedCount`).
 * Its gauge state grows with the number of distinct gauge series (name × tags), like the daemon's.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for an invalid option. While
 * parsing: `ERR_METRIX_MALFORMED_LINE` (message `parseStatsD: line <n>: <reason>`, `input`
 * `{ line, text }`) and `ERR_METRIX_LINE_TOO_LONG`.
 * @example Aggregate StatsD timers as the daemon would, every 10 seconds
 * ```ts
 * import { createSocket } from 'node:dgram';
 * import { MStream, max, mean, min, parseStatsD, percentile } from 'metrix-stream';
 * const latency = new MStream('latency', { agg: { mean, upper: max, lower: min, upper_90: percentile(90) }, windowSize: 10 });
 * const parser = parseStatsD({ onMalformed: 'skip' });
 * parser.on('data', (el) => latency.write(el));
 * createSocket('udp4')
 *   .on('message', (msg) => parser.write(msg.at(-1) === 0x0a ? msg : Buffer.concat([msg, Buffer.from('\n')])))
 *   .bind(8125, '127.0.0.1');
 * ```
 * @see {@link parseNDJSON} for JSON lines; {@link statsdAggregations} for the aggregations per type.
 */
export function parseStatsD(options?: ParseStatsDOptions): LineParser {
  return new StatsDParser('parseStatsD', options);
}
