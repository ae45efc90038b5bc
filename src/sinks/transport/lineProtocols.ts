import type { MElement, Tags } from '../../MElement.js';

// Pure formatting of one element for each wire format the TSDB sinks speak. No I/O here, so that
// every escaping rule can be unit- and property-tested alone.
//
// Shared rules (the sinks' docs repeat them):
// - a character a format cannot carry becomes `_` (lossy, but the point is stored);
// - a tag whose name or value is empty after that is left out (OpenTSDB, Graphite and Influx reject
//   empty tag values; for Prometheus an empty label value is the same as no label);
// - when two tag names become the same name, the tag whose original name sorts first wins and the
//   others are left out, so that a line never carries one tag name twice;
// - timestamps are truncated (floor), never rounded up into the next second or millisecond.

/** Milliseconds since the epoch → whole milliseconds (truncated). */
export function wholeMs(time: number): number {
  return Math.floor(time);
}

/** Milliseconds since the epoch → whole seconds (truncated). */
export function wholeSeconds(time: number): number {
  return Math.floor(time / 1000);
}

/** A number as text every one of these formats parses back to the same float (`1e+21`, `-0.5`). */
export function formatValue(value: number): string {
  return String(value);
}

/**
 * Sanitises tag names and values with the given functions (which return `''` to drop), resolves
 * collisions (first original name in sort order wins) and returns `[name, value]` pairs sorted by
 * the sanitised name.
 */
export function sanitizeTags(
  tags: Tags,
  name: (s: string) => string,
  value: (s: string) => string,
): Array<[string, string]> {
  const names = Object.keys(tags);
  if (names.length === 0) return [];
  names.sort();
  const seen = new Set<string>();
  const out: Array<[string, string]> = [];
  for (const original of names) {
    const n = name(original);
    const v = value(tags[original] as string);
    if (n === '' || v === '' || seen.has(n)) continue;
    seen.add(n);
    out.push([n, v]);
  }
  if (out.length > 1) out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

// ---------------------------------------------------------------- OpenTSDB

// OpenTSDB's own check (Tags.validateString): ASCII letters and digits, `-_./`, and any character
// for which Java's Character.isLetter is true. Java tests UTF-16 units, so characters outside the
// Basic Multilingual Plane (surrogate pairs) are rejected even when they are letters.
const OPENTSDB_INVALID = /[^A-Za-z0-9\-_./\p{L}]|[\u{10000}-\u{10FFFF}]/gu;

/** A metric name, tag name or tag value restricted to OpenTSDB's character set. */
export function openTsdbString(s: string): string {
  return s.replace(OPENTSDB_INVALID, '_');
}

/** `put <name> <seconds> <value> k=v …` — one OpenTSDB telnet line, without the newline. */
export function openTsdbTelnetLine(element: MElement): string {
  let line = `put ${openTsdbString(element.name)} ${wholeSeconds(element.time)} ${formatValue(element.value)}`;
  for (const [k, v] of sanitizeTags(element.tags, openTsdbString, openTsdbString)) line += ` ${k}=${v}`;
  return line;
}

/** One data point of OpenTSDB's `POST /api/put` body, as JSON, with a millisecond timestamp. */
export function openTsdbJson(element: MElement): string {
  const tags: Record<string, string> = {};
  for (const [k, v] of sanitizeTags(element.tags, openTsdbString, openTsdbString)) {
    Object.defineProperty(tags, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return JSON.stringify({
    metric: openTsdbString(element.name),
    timestamp: wholeMs(element.time),
    value: element.value,
    tags,
  });
}

// ---------------------------------------------------------------- Graphite

// Graphite's plaintext syntax: fields split on whitespace, tags on `;`, a tag on its first `=`.
// Its tag rules: names without `;!^=`, values without `;` and not starting with `~`.
const GRAPHITE_NAME_INVALID = /[\s\p{Cc};]/gu;
const GRAPHITE_TAG_NAME_INVALID = /[\s\p{Cc};!^=]/gu;

/** A Graphite metric path: whitespace, control characters and `;` become `_`. */
export function graphiteName(s: string): string {
  return s.replace(GRAPHITE_NAME_INVALID, '_');
}

/** A Graphite tag name: whitespace, control characters and `;!^=` become `_`. */
export function graphiteTagName(s: string): string {
  return s.replace(GRAPHITE_TAG_NAME_INVALID, '_');
}

/** A Graphite tag value: whitespace, control characters and `;` become `_`, a leading `~` too. */
export function graphiteTagValue(s: string): string {
  const out = s.replace(GRAPHITE_NAME_INVALID, '_');
  return out.startsWith('~') ? `_${out.slice(1)}` : out;
}

/** `<name>;k=v;… <value> <seconds>` — one Graphite plaintext line, without the newline. */
export function graphiteLine(element: MElement): string {
  let path = graphiteName(element.name);
  for (const [k, v] of sanitizeTags(element.tags, graphiteTagName, graphiteTagValue)) path += `;${k}=${v}`;
  return `${path} ${formatValue(element.value)} ${wholeSeconds(element.time)}`;
}

// ---------------------------------------------------------------- Influx line protocol

const CONTROL = /\p{Cc}/gu;

/**
 * Escapes one line-protocol token: each character of `specials` gets a backslash, and a backslash
 * is doubled only where a parser could read it as the start of an escape — before another
 * backslash, before a character of `sensitive`, at the end of the token. A lone backslash before
 * an ordinary character (`C:\temp`) stays single, which every InfluxDB version reads literally;
 * the doubled ones follow the line-protocol reference ("two contiguous backslashes: the first
 * escapes the second"), which VictoriaMetrics implements. Control characters (the
 * protocol cannot carry a newline) become `_`.
 */
function escapeInflux(token: string, specials: string, sensitive: string): string {
  const s = token.replace(CONTROL, '_');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      const next = s[i + 1];
      out += next === undefined || next === '\\' || sensitive.includes(next) ? '\\\\' : '\\';
    } else if (specials.includes(c)) {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * An Influx measurement: `,` and space escaped; a leading `#` (a comment line) becomes `_`. `=`
 * is not escaped (the reference reads `\=` in a measurement literally), but a backslash before it
 * is doubled, because VictoriaMetrics does read `\=` there as an escaped `=`.
 */
export function influxMeasurement(s: string): string {
  const escaped = escapeInflux(s, ', ', ', =');
  return escaped.startsWith('#') ? `_${escaped.slice(1)}` : escaped;
}

/** An Influx tag name, tag value or field name: `,`, `=` and space escaped. */
export function influxKey(s: string): string {
  return escapeInflux(s, ',= ', ',= ');
}

/** `<measurement>,k=v,… <field>=<value> <ms>` — one line for `precision=ms`, without newline. */
export function influxLine(element: MElement, escapedField: string): string {
  let line = influxMeasurement(element.name);
  for (const [k, v] of sanitizeTags(element.tags, influxKey, influxKey)) line += `,${k}=${v}`;
  return `${line} ${escapedField}=${formatValue(element.value)} ${wholeMs(element.time)}`;
}

// ---------------------------------------------------------------- Prometheus text exposition

const PROM_NAME_INVALID = /[^a-zA-Z0-9_:]/g;
const PROM_LABEL_INVALID = /[^a-zA-Z0-9_]/g;

/** A Prometheus metric name `[a-zA-Z_:][a-zA-Z0-9_:]*`: others become `_`, a leading digit gets `_`. */
export function prometheusName(s: string): string {
  const out = s.replace(PROM_NAME_INVALID, '_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/**
 * A Prometheus label name `[a-zA-Z_][a-zA-Z0-9_]*`: others become `_`, a leading digit gets `_`,
 * and a leading `__` (reserved for the scraper's internal labels) becomes `_`.
 */
export function prometheusLabelName(s: string): string {
  let out = s.replace(PROM_LABEL_INVALID, '_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  while (out.startsWith('__')) out = out.slice(1);
  return out;
}

/** A label value inside double quotes: `\`, `"` and newline escaped, as the format requires. */
export function prometheusLabelValue(s: string): string {
  return s.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** `{a="x",b="y"}` for the element's tags (sorted), or `''` when none remain. */
export function prometheusLabels(tags: Tags): string {
  const pairs = sanitizeTags(tags, prometheusLabelName, (v) => v);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${prometheusLabelValue(v)}"`).join(',')}}`;
}
