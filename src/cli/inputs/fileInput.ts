import { createReadStream } from 'node:fs';
import type { MetrixError } from '../../MetrixError.js';
import type { CliConfig } from '../CliConfig.js';
import type { CliInput, InputContext } from './CliInput.js';

/** Options of {@link fileInput}. */
export interface FileInputOptions {
  /** Paths read one after the other; `-` is `stdin`. */
  files: readonly string[];
  /** The command's stdin. */
  stdin: NodeJS.ReadableStream;
  /** Format of every file. */
  format: CliConfig['format'];
  /** Malformed lines: stop the command (`error`) or skip and count them (`skip`). */
  onMalformed: CliConfig['onMalformed'];
}

/**
 * The files (or stdin) as one input: read one after the other, each through its own parser (a
 * last line without newline stays its own line), in file order. An unreadable file fails the
 * command with its name. `stop()` stops reading: bytes read so far are parsed up to their last
 * newline, the unfinished line is dropped, the remaining files are not opened.
 *
 * Counts: `files` opened, `lines` seen.
 */
export function fileInput(ctx: InputContext, options: FileInputOptions): CliInput {
  const { files, stdin, format, onMalformed } = options;
  let stopping = false;
  let halt: (() => void) | undefined;
  let opened = 0;
  let lines = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  async function readOne(file: string): Promise<void> {
    const label = file === '-' ? 'stdin' : file;
    const source: NodeJS.ReadableStream = file === '-' ? stdin : createReadStream(file);
    opened++;
    const parser = ctx.makeParser(format, onMalformed);
    const ended = new Promise<void>((resolve) => parser.once('close', resolve));
    parser.on('malformed', (err: MetrixError) => ctx.malformed(label, err));
    parser.on('error', (err: Error) => ctx.fail(err, label));
    halt = () => {
      source.unpipe(parser as never);
      // stdin is not ours to destroy (a test's stand-in, or a terminal the shell keeps): pause it.
      if (source !== stdin) (source as NodeJS.ReadableStream & { destroy(): void }).destroy();
      else stdin.pause();
      parser.stop();
    };
    source.once('error', (err: Error) => {
      ctx.fail(err, `cannot read ${label}`);
      parser.stop();
    });
    parser.pipe(ctx.target as never, { end: false });
    source.pipe(parser as never);
    await ended;
    lines += parser.lineCount;
    halt = undefined;
  }

  return {
    async start() {
      (async () => {
        for (const file of files) {
          if (stopping) break;
          await readOne(file);
        }
      })().then(resolveDone, (err: Error) => {
        ctx.fail(err);
        resolveDone();
      });
      return undefined;
    },
    stop() {
      if (stopping) return;
      stopping = true;
      halt?.();
    },
    done,
    counts: () => ({ files: opened, lines }),
  };
}
