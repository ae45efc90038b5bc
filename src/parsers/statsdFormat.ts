import { describe } from '../internal/describe.js';
import { setOwn } from '../internal/setOwn.js';
import { keyFromTags } from '../key.js';
import type { Tags } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { LineFormat } from './LineFormat.js';
// LineParserOptions and parseStatsD are named in {@link}s only.
import type { LineParserOptions } from './LineParser.js';
import type { parseStatsD, StatsDElement, StatsDType } from './parseStatsD.js';
import { TagsTextCache } from './TagsTextCache.js';
import { validTime } from './validTime.js';

/**
 * The StatsD options of {@link parseStatsD} (beside {@link LineParserOptions}): how many gauge
 * series are remembered for `+`/`-` deltas, and for how long.
 * @category Parsers
 */
export interface StatsDFormatOptions {
  /** Gauge series (name × tags) whose current value is kept for `+`/`-` deltas; default 10 000. */
  maxGauges?: number;
  /** A gauge series not set for this many milliseconds is forgotten; default 3 600 000 (1 hour). */
  gaugeExpiryMs?: number;
}

/** What {@link statsdFormat} returns: the line format and its counters of ignored lines. */
export interface StatsDFormat extends LineFormat<StatsDElement> {
  /** DogStatsD events (`_e{…}`) seen and ignored. */
  readonly events: number;
  /** DogStatsD service checks (`_sc|…`) seen and ignored. */
  readonly serviceChecks: number;
  /** Gauge series currently remembered. */
  readonly gaugeCount: number;
}

/** A StatsD number: decimal, optional sign and exponent; no hex, no `Infinity`, no spaces. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DEFAULT_MAX_GAUGES = 10_000;
const DEFAULT_GAUGE_EXPIRY_MS = 3_600_000;

/**
 * At most 60 characters of a client's text, for a message: a line may be 1 MiB long, and its
 * error is printed and sent back in HTTP answers (quoted text goes through `describe`, which cuts
 * the same way).
 */
function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function toNumber(text: string, what: string): number {
  const n = NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`${what} ${describe(text)} is not a finite decimal number`);
  return n;
}

function finite(n: number, what: string): number {
  if (!Number.isFinite(n)) throw new MetrixError(ErrorCode.INVALID_VALUE, `${what} is not finite (${n})`, { input: n });
  return n;
}

/**
 * The StatsD line format of {@link parseStatsD} (see there for the syntax and what each type
 * becomes), with its state: the current value of each gauge series, for deltas — at most
 * `maxGauges` series, each forgotten after `gaugeExpiryMs` without a set (a delta to a forgotten
 * series starts from 0 again, as for an unseen one); the least recently set is forgotten first.
 * Tags are parsed once per distinct tag text (a bounded {@link TagsTextCache}).
 */
export function statsdFormat(options: StatsDFormatOptions = {}): StatsDFormat {
  const { maxGauges = DEFAULT_MAX_GAUGES, gaugeExpiryMs = DEFAULT_GAUGE_EXPIRY_MS } = options;
  /** Gauge series → current value and when it was set, least recently set first. */
  const gauges = new Map<string, { value: number; at: number }>();
  const tagsCache = new TagsTextCache();
  let events = 0;
  let serviceChecks = 0;

  function setGauge(series: string, value: number, delta: boolean): number {
    const now = Date.now();
    // Series are re-inserted on every set, so the Map's first entries are the longest idle ones:
    // forgetting the expired ones first (this series too) stops at the first one still fresh.
    for (const [key, old] of gauges) {
      if (now - old.at <= gaugeExpiryMs) break;
      gauges.delete(key);
    }
    const entry = gauges.get(series);
    if (delta) value = finite(value + (entry === undefined ? 0 : entry.value), 'the gauge after this delta');
    if (entry !== undefined) gauges.delete(series);
    gauges.set(series, { value, at: now });
    if (gauges.size > maxGauges) gauges.delete(gauges.keys().next().value as string);
    return value;
  }

  function tagsOf(text: string): Tags | undefined {
    if (text.length === 0) return undefined;
    const known = tagsCache.get(text);
    if (known !== undefined) return known;
    const tags = parseTags(text);
    return tags === undefined ? undefined : tagsCache.set(text, tags);
  }

  function parse(text: string): StatsDElement | StatsDElement[] | undefined {
    if (text.charCodeAt(0) === 0x5f /* _ */) {
      // DogStatsD events and service checks are not metrics: counted and ignored, not malformed.
      if (text.startsWith('_e{')) {
        events++;
        return undefined;
      }
      if (text.startsWith('_sc|')) {
        serviceChecks++;
        return undefined;
      }
    }
    const colon = text.indexOf(':');
    if (colon === -1) throw new Error('expected <name>:<value>|<type>, found no ":"');
    const name = text.slice(0, colon).trim();
    if (name.length === 0) throw new Error('the metric name is empty');
    if (name.includes('|')) {
      throw new Error(`expected <name>:<value>|<type>, found "|" in the name ${describe(name)}`);
    }
    const fields = text.slice(colon + 1).split('|');
    const type = fields[1]?.trim();
    if (type === undefined || type === '') throw new Error('the type is missing (expected |c, |ms, |h, |d, |g or |s)');
    if (type !== 'c' && type !== 'ms' && type !== 'h' && type !== 'd' && type !== 'g' && type !== 's') {
      throw new Error(`unknown type ${describe(type)} (expected c, ms, h, d, g or s)`);
    }
    let sampleRate = 1;
    let tags: Tags | undefined;
    let time: number | undefined;
    for (let i = 2; i < fields.length; i++) {
      const field = fields[i] as string;
      const head = field.charAt(0);
      if (head === '@') {
        sampleRate = toNumber(field.slice(1), 'sample rate');
        if (!(sampleRate > 0 && sampleRate <= 1)) throw new Error(`sample rate ${clip(field)} is not in (0, 1]`);
        // Each value counts 1 / rate times (a timer's count, a counter's value): a rate so small that
        // this overflows (below about 5.6e-309) would count a value infinitely many times.
        finite(1 / sampleRate, `1 / sample rate ${clip(field.slice(1))}`);
      } else if (head === '#') {
        tags = tagsOf(field.slice(1));
      } else if (head === 'T') {
        time = validTime(toNumber(field.slice(1), 'timestamp') * 1000, `timestamp ${clip(field.slice(1))} s`);
      } else if (field.startsWith('c:')) {
        // DogStatsD container id: describes the sender, not the metric; ignored.
      } else {
        throw new Error(`unexpected field ${describe(field)} (expected @<rate>, #<tags> or T<seconds>)`);
      }
    }
    const valueText = fields[0] as string;
    if (type === 's') {
      // A set counts distinct members: each member becomes a number that identifies it.
      if (valueText.length === 0) throw new Error('the set member is empty');
      return element(name, memberId(valueText), type, tags, time, 1);
    }
    // DogStatsD's multi-value form `name:1:2:3|ms` sends several values of one type.
    if (valueText.indexOf(':') === -1) return one(name, valueText, type, tags, time, sampleRate);
    const out: StatsDElement[] = [];
    for (const v of valueText.split(':')) out.push(one(name, v, type, tags, time, sampleRate));
    return out;
  }

  function one(
    name: string,
    valueText: string,
    type: StatsDType,
    tags: Tags | undefined,
    time: number | undefined,
    sampleRate: number,
  ): StatsDElement {
    const v = valueText.trim();
    let value = toNumber(v, 'value');
    if (type === 'c') {
      // The daemon adds value × (1 / rate): a counter sampled at 10 % counts each hit ten times.
      value = finite(value / sampleRate, `counter ${v} at sample rate ${sampleRate}`);
    } else if (type === 'ms') {
      if (value < 0) throw new Error(`timer value ${v} is negative`);
    } else if (type === 'g') {
      const series = tags === undefined ? name : `${name}\u0000${keyFromTags(tags)}`;
      // A signed value is a delta from the current value (0 when unseen), as the daemon does.
      const c = v.charCodeAt(0);
      value = setGauge(series, value, c === 0x2b || c === 0x2d);
    }
    return element(name, value, type, tags, time, type === 'c' || type === 'g' ? 1 : sampleRate);
  }

  return {
    what: 'parseStatsD',
    parse,
    get events() {
      return events;
    },
    get serviceChecks() {
      return serviceChecks;
    },
    get gaugeCount() {
      return gauges.size;
    },
  };
}

function element(
  name: string,
  value: number,
  type: StatsDType,
  tags: Tags | undefined,
  time: number | undefined,
  sampleRate: number,
): StatsDElement {
  const out: StatsDElement = { name, value, type };
  if (tags !== undefined) out.tags = tags;
  if (time !== undefined) out.time = time;
  if (sampleRate !== 1) out.sampleRate = sampleRate;
  return out;
}

/** `k:v,flag,k2:v:with:colons` → `{ k: 'v', flag: '', k2: 'v:with:colons' }` */
function parseTags(text: string): Tags | undefined {
  const tags: Record<string, string> = {};
  let any = false;
  for (const pair of text.split(',')) {
    if (pair.length === 0) continue;
    const colon = pair.indexOf(':');
    const tagName = colon === -1 ? pair : pair.slice(0, colon);
    if (tagName.length === 0) throw new Error(`tag ${describe(pair)} has an empty name`);
    setOwn(tags, tagName, colon === -1 ? '' : pair.slice(colon + 1));
    any = true;
  }
  return any ? Object.freeze(tags) : undefined;
}

/**
 * A set member's number: a 53-bit hash of its text (cyrb53), an exact integer, so that counting
 * distinct values counts distinct members. Two members share a number with probability about
 * n² / 2^54 (under one in a million for 100 000 members a window).
 */
export function memberId(member: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < member.length; i++) {
    const c = member.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
