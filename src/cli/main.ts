#!/usr/bin/env node
// The `metrix-stream` command: arguments → configuration → run → exit code. Everything that can be
// tested without a process (argument parsing, config files, stream building, the run itself) lives
// in the sibling modules; this file only wires them to the process.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MetrixError } from '../MetrixError.js';
import { helpText } from './helpText.js';
import { packageVersion } from './packageVersion.js';
import { parseCliArgs } from './parseCliArgs.js';
import type { CliConfigFile } from './parseConfigFile.js';
import { parseConfigFile } from './parseConfigFile.js';
import { resolveConfig } from './resolveConfig.js';
import { type CliRun, startCli } from './startCli.js';
import { startMerge } from './startMerge.js';

const EXIT_USAGE = 2;

function usage(message: string): never {
  process.stderr.write(`metrix-stream: ${message}\nTry 'metrix-stream --help' for more information.\n`);
  process.exit(EXIT_USAGE);
}

/** Exits once stdout and stderr have taken everything written (they may be pipes). */
function exit(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

function main(argv: readonly string[]): void {
  let run: CliRun;
  try {
    const command = parseCliArgs(argv);
    if (command.kind === 'help') {
      process.stdout.write(helpText());
      return;
    }
    if (command.kind === 'version') {
      process.stdout.write(`${packageVersion()}\n`);
      return;
    }
    let file: CliConfigFile | undefined;
    if (command.flags.configPath !== undefined) {
      const path = resolve(command.flags.configPath);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        usage(`cannot read config file ${command.flags.configPath}: ${(err as Error).message}`);
      }
      file = parseConfigFile(text, command.flags.configPath, dirname(path));
    }
    const config = resolveConfig(command.flags, file);
    const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
    run = config.merge === undefined ? startCli(config, io) : startMerge(config, config.merge, io);
  } catch (err) {
    // Everything up to here is about how the command was called: a usage error.
    if (MetrixError.is(err)) usage(err.message);
    throw err;
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      run.stop();
      return;
    }
    // A second signal while flushing: the user insists; leave at once, unflushed.
    process.stderr.write(`metrix-stream: ${signal} again, exiting without flushing\n`);
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  run.done.then(exit, (err: unknown) => {
    process.stderr.write(`metrix-stream: unexpected failure: ${(err as Error)?.stack ?? String(err)}\n`);
    exit(1);
  });
}

main(process.argv.slice(2));
