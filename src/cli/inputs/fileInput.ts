import { createReadStream } from 'node:fs';
import { LineReader } from '../../parsers/LineReader.js';
import type { CliConfig } from '../CliConfig.js';
import type { CliInput, InputContext } from './CliInput.js';
import { LineIngest } from './LineIngest.js';

/**
 * Bytes read from a file at a time. Larger than the stream default (64 KiB): reading waits on the
 * disk between chunks while the chunk before is parsed, so fewer, larger chunks leave less idle
 * time and fewer calls; a whole chunk's lines are parsed and routed in one pass anyway.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

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
 * The files (or stdin) as one input: read one after the other, each chunk split into lines,
 * parsed and routed in one pass ({@link LineIngest}); each file has its own line numbers and its
 * last line needs no newline. When a stream is full the file is paused until it has room, so a
 * slow sink slows the reading instead of growing memory. An unreadable file fails the command
 * with its name; so does a malformed line under `onMalformed: 'error'` (the lines before it have
 * been routed). `stop()` stops reading: the unfinished line is dropped, later files not opened.
 *
 * Counts: `files` opened, `lines` seen.
 */
export function fileInput(ctx: InputContext, options: FileInputOptions): CliInput {
  const { files, stdin, format, onMalformed } = options;
  // One format for the whole sequence: a StatsD gauge set in one file takes deltas in the next.
  const lineFormat = ctx.format(format);
  let stopping = false;
  let halt: (() => void) | undefined;
  let opened = 0;
  let lines = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  function readOne(file: string): Promise<void> {
    const label = file === '-' ? 'stdin' : file;
    const source: NodeJS.ReadableStream =
      file === '-' ? stdin : createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
    opened++;
    const reader = new LineReader(ctx.maxLineLength);
    const ingest = new LineIngest(lineFormat, ctx.router, ctx.maxLineLength, (err) => {
      if (onMalformed === 'skip') {
        ctx.malformed(label, err);
        return true;
      }
      ctx.fail(err, label);
      return false;
    });
    return new Promise<void>((resolve) => {
      let finished = false;
      const finish = (dropTail: boolean) => {
        if (finished) return;
        finished = true;
        source.off('data', onData);
        if (!dropTail) reader.end(ingest);
        lines += reader.lineCount;
        halt = undefined;
        resolve();
      };
      const onData = (chunk: Buffer | string) => {
        if (finished) return;
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (!reader.write(bytes, ingest)) return;
        if (ctx.router.backedUp) {
          // Backpressure: no more chunks until the full stream has room.
          source.pause();
          ctx.router.room().then(() => {
            if (!finished) source.resume();
          });
        }
      };
      halt = () => {
        // stdin is not ours to destroy (a test's stand-in, or a terminal the shell keeps): pause it.
        if (source === stdin) stdin.pause();
        else (source as NodeJS.ReadableStream & { destroy(): void }).destroy();
        finish(true);
      };
      // stdin given twice (`- -`) has ended already: nothing more to read from it.
      if ((source as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded === true) {
        finish(false);
        return;
      }
      source.on('data', onData);
      source.once('end', () => finish(false));
      source.once('error', (err: Error) => {
        ctx.fail(err, `cannot read ${label}`);
        finish(true);
      });
      if (source === stdin) stdin.resume();
    });
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
