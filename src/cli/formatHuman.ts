import type { MElement } from '../MElement.js';

/**
 * One human-readable line for an aggregated element: ISO time, name with tags, value rounded to
 * 6 significant digits (NDJSON output keeps the exact value).
 *
 * `words.mean{section=sport} = 523.333…` at 2024-01-01T00:01:00Z →
 * `2024-01-01T00:01:00.000Z  words.mean{section=sport}  523.333\n`
 *
 * A name, tag name or tag value that is not plain — empty, or holding anything but letters,
 * digits and `_ . - / : @ + %` — is printed as a JSON string (`{path="/a b",note="x\ny"}`), so one
 * aggregate is always one line and its fields can be told apart: a newline, quote, space,
 * `,`, `=`, `{` or `}` in a value cannot forge another tag or another line.
 */
export function formatHuman(element: MElement): string {
  let labels = '';
  for (const name in element.tags) {
    labels += `${labels === '' ? '{' : ','}${quote(name)}=${quote(element.tags[name] as string)}`;
  }
  if (labels !== '') labels += '}';
  return `${new Date(element.time).toISOString()}  ${quote(element.name)}${labels}  ${formatValue(element.value)}\n`;
}

/** Letters, digits and a few punctuation marks that cannot be mistaken for the line's syntax. */
const PLAIN = /^[\p{L}\p{N}_.\-/:@+%]+$/u;

/** `sport` → `sport`; `a b` → `"a b"`; `x\ny` → `"x\ny"` (escaped); `` → `""`. */
export function quote(text: string): string {
  return PLAIN.test(text) ? text : JSON.stringify(text);
}

/** `523.3333333` → `523.333`; integers as they are; large and tiny values stay readable. */
export function formatValue(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(Number(value.toPrecision(6)));
}
