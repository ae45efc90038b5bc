// `npm run bench [-- --quick] [-- --only=send,piped,peers,cardinality,memory,cli,distribution] [--n=… …]`
// (options: bench/settings.ts): every target of the aggregation-engine issue beside its
// baseline, measured in one run, printed as one table. Each question is one file of bench/; this
// one only runs them in turn and prints. Not a test: a missed target is printed, not an error;
// it exits 1 only when a measurement fails (a path returned a wrong count, a child crashed).
import { question as cardinality } from './cardinality.js';
import { question as cli } from './cli.js';
import { question as distribution } from './distribution.js';
import { clockCost, describeMachine, loadAverage } from './machine.js';
import { question as memory } from './memory.js';
import { question as peers } from './peers.js';
import { question as piped } from './piped.js';
import { formatTable, type Row } from './report.js';
import { question as send } from './send.js';
import { readSettings } from './settings.js';

const questions = [send, piped, peers, cardinality, memory, cli, distribution];

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const unknown = settings.only?.filter((id) => !questions.some((q) => q.id === id)) ?? [];
  if (unknown.length > 0)
    throw new Error(`--only: no question ${unknown.join(', ')} (${questions.map((q) => q.id).join(', ')})`);
  const chosen = questions.filter((q) => settings.only === undefined || settings.only.includes(q.id));
  const started = Date.now();
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `load average (1, 5, 15 min) at start: ${loadAverage()}; Date.now() costs ${clockCost().toFixed(1)} ns here`,
  );
  console.log(
    `${settings.quick ? 'QUICK (smoke run: sizes too small for the figures to mean much); ' : ''}` +
      `n = ${settings.n} el (peers, cardinality ${settings.slowN}), ${settings.passes} pass(es) × (${settings.warmup} warm-up + ` +
      `${settings.rounds} timed runs) per group; memory ${settings.memorySizes.join(' / ')} el; CLI ${settings.cliLines} lines × ${settings.cliRounds}`,
  );
  const rows: Row[] = [];
  for (const q of chosen) {
    const t0 = Date.now();
    const mine = await q.run(settings);
    rows.push(...mine);
    console.error(`bench: ${q.id} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(formatTable(rows));
  const targets = rows.filter((r) => r.target !== '');
  const met = targets.filter((r) => r.met === true).length;
  const unmeasured = targets.filter((r) => r.met === undefined).length;
  console.log(
    `${met} of ${targets.length} targets met${unmeasured > 0 ? `, ${unmeasured} not measured` : ''}; ` +
      `load average at end: ${loadAverage()}; ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
  );
  console.log(
    'Ratios are medians of run-by-run ratios of a path and its baseline timed side by side in one child process; ' +
      'figures are medians of the timed runs (wall clock).',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
