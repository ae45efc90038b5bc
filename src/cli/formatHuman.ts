import type { MElement } from '../MElement.js';

/**
 * One human-readable line for an aggregated element: ISO time, name with tags, value rounded to
 * 6 significant digits (NDJSON output keeps the exact value).
 *
 * `words.mean{section=sport} = 523.333…` at 2024-01-01T00:01:00Z →
 * `2024-01-01T00:01:00.000Z  words.mean{section=sport}  523.333\n`
 */
export function formatHuman(element: MElement): string {
  const tags = Object.entries(element.tags);
  const labels = tags.length === 0 ? '' : `{${tags.map(([k, v]) => `${k}=${v}`).join(',')}}`;
  return `${new Date(element.time).toISOString()}  ${element.name}${labels}  ${formatValue(element.value)}\n`;
}

/** `523.3333333` → `523.333`; integers as they are; large and tiny values stay readable. */
export function formatValue(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(Number(value.toPrecision(6)));
}
