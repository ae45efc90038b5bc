// One row per target of the issue (and a few rows that only inform), printed as one table.

/** A figure beside its baseline, and whether the target for it is met. */
export interface Row {
  /** The question (file) that measured it: `send`, `piped`, `memory`, … */
  readonly question: string;
  /** The case, e.g. `100 frozen tag sets, [sum,max,mean]`. */
  readonly case: string;
  /** What was measured, e.g. `send() 4.12 M el/s`. */
  readonly figure: string;
  /** What it is compared with, e.g. `hand loop 2.71 M el/s`. */
  readonly baseline: string;
  /** The comparison the target is about, e.g. `1.52×` or `+31 MB`. */
  readonly vs: string;
  /** The target, e.g. `≥ 2×`; empty for a row that only informs. */
  readonly target: string;
  /** Whether the target is met; undefined for a row that only informs or could not be measured. */
  readonly met: boolean | undefined;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Elements per second as `12.34 M el/s`. */
export const rate = (elPerSec: number) => `${(elPerSec / 1e6).toFixed(2)} M el/s`;
/** A ratio as `1.23×`. */
export const times = (x: number) => `${x.toFixed(2)}×`;
/** Bytes as `123.4 MB` (10^6). */
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The table, in Markdown, every row's target column and whether it is met. */
export function formatTable(rows: readonly Row[]): string {
  const cells = [
    ['question', 'case', 'figure', 'baseline', 'vs baseline', 'target', 'met'],
    ...rows.map((r) => [
      r.question,
      r.case,
      r.figure,
      r.baseline,
      r.vs,
      r.target,
      r.target === '' ? '' : r.met === undefined ? '?' : r.met ? 'yes' : 'NO',
    ]),
  ];
  const widths = (cells[0] as string[]).map((_, c) => Math.max(...cells.map((row) => (row[c] as string).length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c] as number)).join(' | ')} |`;
  return [
    line(cells[0] as string[]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

/** One question of the bench: one file, run by run.ts, answering with its rows. */
export interface Question {
  /** The file's name, used by `--only`. */
  readonly id: string;
  /** Measures (in child processes) and returns one row per target. */
  readonly run: (settings: import('./settings.js').Settings) => Promise<Row[]>;
}
