import { describe } from '../internal/describe.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { LineParser, type LineParserOptions } from './LineParser.js';
import type { ParsedElement } from './ParsedElement.js';
import { type StatsDFormat, type StatsDFormatOptions, statsdFormat } from './statsdFormat.js';

/**
 * The StatsD metric types {@link parseStatsD} accepts: counter, timer, histogram, distribution,
 * gauge and set.
 * @category Parsers
 */
export type StatsDType = 'c' | 'ms' | 'h' | 'd' | 'g' | 's';

/**
 * What {@link parseStatsD} emits: a {@link ParsedElement} that also tells its StatsD type.
 * @category Parsers
 */
export interface StatsDElement extends ParsedElement {
  /**
   * The StatsD type the value was sent as, so that a router can pick the aggregations that
   * reproduce the daemon's figures (see {@link statsdAggregations}). MStream and MCoordinator
   * ignore it.
   */
  type: StatsDType;
  /**
   * The sample rate of a timer, histogram or distribution value, when below 1: the daemon counts
   * such a value `1 / sampleRate` times in its `count` (the command does too). Absent at rate 1,
   * and for the other types (a counter's value is already scaled).
   */
  sampleRate?: number;
}

/**
 * Options of {@link parseStatsD}: the line options and the bounds of the gauge state.
 * @category Parsers
 */
export type ParseStatsDOptions = LineParserOptions & StatsDFormatOptions;

/**
 * What {@link parseStatsD} returns: a {@link LineParser} that also counts the DogStatsD events
 * and service checks it ignored.
 * @category Parsers
 */
export interface StatsDParser extends LineParser {
  /** DogStatsD events (`_e{…}`) seen and ignored. */
  readonly events: number;
  /** DogStatsD service checks (`_sc|…`) seen and ignored. */
  readonly serviceChecks: number;
}

class StatsDLineParser extends LineParser implements StatsDParser {
  readonly #format: StatsDFormat;

  constructor(options: ParseStatsDOptions = {}) {
    const { maxGauges, gaugeExpiryMs, ...lineOptions } = options ?? {};
    super('parseStatsD', lineOptions);
    checkGaugeOptions(maxGauges, gaugeExpiryMs);
    this.#format = statsdFormat({
      ...(maxGauges === undefined ? {} : { maxGauges }),
      ...(gaugeExpiryMs === undefined ? {} : { gaugeExpiryMs }),
    });
  }

  get events(): number {
    return this.#format.events;
  }

  get serviceChecks(): number {
    return this.#format.serviceChecks;
  }

  protected parseLine(text: string): StatsDElement | readonly StatsDElement[] | undefined {
    return this.#format.parse(text);
  }
}

/**
 * Checks the gauge options of {@link parseStatsD} (and of the command).
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT`.
 */
export function checkGaugeOptions(maxGauges: unknown, gaugeExpiryMs: unknown): void {
  if (maxGauges !== undefined && !(typeof maxGauges === 'number' && Number.isInteger(maxGauges) && maxGauges > 0)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `parseStatsD: maxGauges must be a positive integer, got ${describe(maxGauges)}`,
      { input: maxGauges },
    );
  }
  if (gaugeExpiryMs !== undefined && !(typeof gaugeExpiryMs === 'number' && gaugeExpiryMs > 0)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `parseStatsD: gaugeExpiryMs must be a positive number of milliseconds, got ${describe(gaugeExpiryMs)}`,
      { input: gaugeExpiryMs },
    );
  }
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
 * | `ms` timer | `value` (unscaled, as by the daemon); `sampleRate` when below 1 | `mean` → {@link mean}, `upper` → {@link max}, `lower` → {@link min}, `upper_<p>` → {@link percentile}(p), `median` → {@link median}, `sum` → {@link sum}, `count` → {@link count} (at sample rate 1; the daemon counts each sampled value 1/rate times: sum `1 / sampleRate` for that, as the command does) |
 * | `h`, `d` histogram, distribution | as `ms` (DogStatsD semantics; negative values allowed) | as `ms`. The Etsy daemon itself treats `h` and `d` as counters |
 * | `g` gauge | the value; `+n`/`-n` add to the series' current value (0 when unseen) | the gauge → {@link last} |
 * | `s` set | a 53-bit hash of the member's text (an exact integer) | the number of distinct members → distinct values (`statsdAggregations('s')`) |
 *
 * Tags: `#k:v,k2:v2` (split at the first `:`; a tag without `:` gets the value `''`). Tags do not
 * change the name: they make separate series (a gauge's delta applies to its own tag set), as
 * groups of one MStream. Timer `std` differs: the daemon reports the population standard
 * deviation, {@link stdev} the sample one. The daemon also reports counters as `0` and repeats
 * gauges in intervals with no data; an MStream emits nothing for an empty window.
 *
 * DogStatsD events (`_e{…}`) and service checks (`_sc|…`) are not metrics: they are ignored and
 * counted in `events` and `serviceChecks`, not malformed. Gauge state is bounded: at most
 * `maxGauges` series (default 10 000, the least recently set forgotten first), each forgotten after
 * `gaugeExpiryMs` without a set (default 1 hour); a delta to a forgotten series starts from 0.
 *
 * Malformed lines (no `:`, empty name, missing or unknown type, an empty set member, a value that
 * is not a decimal number, a value that overflows once scaled by the sample rate or added as a
 * gauge delta — no value out is ever infinite —, a timestamp a `Date` cannot hold
 * (`ERR_METRIX_INVALID_TIME` as `cause`), a negative `ms`, a sample rate outside `(0, 1]` or so
 * small that `1 / rate` overflows (`@1e-320`: each value would count infinitely many times), an
 * unknown field) fail the
 * stream or are skipped, as {@link LineParserOptions.onMalformed} says. The values of a line are
 * all accepted or all rejected. The daemon's other quirks are not copied: it accepts hex and
 * `Infinity`, sample rates above 1 and unsanitized names are changed by it.
 *
 * `hits:1|c|@0.1⏎latency:12|ms|#route:/a⏎temp:20|g⏎temp:-3|g` →
 * `{hits, 10, c}`, `{latency, 12, ms, {route:'/a'}}`, `{temp, 20, g}`, `{temp, 17, g}`
 *
 * @param options - See {@link LineParserOptions}.
 * @returns The parser, a {@link LineParser} (a Transform with `lineCount` and `malformedCount`).
 * Its gauge state is bounded by `maxGauges` and `gaugeExpiryMs`.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` for an invalid option (`maxGauges`
 * not a positive integer, `gaugeExpiryMs` not positive, or a line option). While
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
 * @category Parsers
 */
export function parseStatsD(options?: ParseStatsDOptions): StatsDParser {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new MetrixError(ErrorCode.INVALID_ARGUMENT, 'parseStatsD(options): options must be an object', {
      input: options,
    });
  }
  return new StatsDLineParser(options);
}
