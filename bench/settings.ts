// The command line of `npm run bench`, read once; every question takes its sizes from here.

/** Sizes and repetitions of one bench run. */
export interface Settings {
  /** `--quick`: tiny sizes, one pass; a smoke run that finishes in seconds. */
  readonly quick: boolean;
  /** `--only=send,piped`: the questions to run (default all). */
  readonly only: readonly string[] | undefined;
  /** `--n`: elements per timed run of the throughput questions. */
  readonly n: number;
  /**
   * `--slow-n`: elements per timed run of the slow questions, peers and cardinality (the OTel SDK
   * costs ~1 µs a call; 10 k tag sets per batch emit three aggregates per element).
   */
  readonly slowN: number;
  /** `--passes`: child processes per group, one after the other. */
  readonly passes: number;
  /** `--warmup`, `--rounds`: untimed and timed rounds per child. */
  readonly warmup: number;
  readonly rounds: number;
  /** `--memory-sizes=1000000,5000000,20000000`: elements of the memory cases. */
  readonly memorySizes: readonly number[];
  /** `--rss-ceiling-mb`: a memory case stops sending when its RSS passes this (the VM is shared). */
  readonly rssCeilingMb: number;
  /** `--cli-lines`: lines of each generated CLI input file. */
  readonly cliLines: number;
  /** `--cli-rounds`: runs of each command and its floor, alternating. */
  readonly cliRounds: number;
  /** `--no-build`: use the dist/ there is instead of running `npm run build` before the CLI question. */
  readonly build: boolean;
}

function raw(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** A non-negative integer option, `--name=N` (underscores allowed: `--n=1_000_000`). */
export function intArg(argv: readonly string[], name: string, fallback: number): number {
  const text = raw(argv, name);
  const value = text === undefined ? fallback : Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

/** Reads the settings from `argv` (`--quick` changes every default, explicit options win). */
export function readSettings(argv: readonly string[]): Settings {
  const quick = argv.includes('--quick');
  const only = raw(argv, 'only')
    ?.split(',')
    .filter((s) => s.length > 0);
  const sizes = raw(argv, 'memory-sizes');
  const memorySizes =
    sizes === undefined ? (quick ? [100_000] : [1_000_000, 5_000_000, 20_000_000]) : sizes.split(',').map(Number);
  if (memorySizes.some((s) => !Number.isInteger(s) || s <= 0))
    throw new Error(`--memory-sizes must list positive integers, got ${sizes}`);
  return {
    quick,
    only,
    n: intArg(argv, 'n', quick ? 20_000 : 1_000_000),
    slowN: intArg(argv, 'slow-n', quick ? 20_000 : 300_000),
    passes: intArg(argv, 'passes', quick ? 1 : 3),
    warmup: intArg(argv, 'warmup', quick ? 1 : 2),
    rounds: intArg(argv, 'rounds', quick ? 1 : 3),
    memorySizes,
    rssCeilingMb: intArg(argv, 'rss-ceiling-mb', 1024),
    cliLines: intArg(argv, 'cli-lines', quick ? 20_000 : 5_000_000),
    cliRounds: intArg(argv, 'cli-rounds', quick ? 1 : 3),
    build: !argv.includes('--no-build'),
  };
}
