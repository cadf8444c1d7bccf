import { access } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { PipelineConfig } from './config.js';
import { MissingInputError } from './errors.js';

/**
 * What a stage gets besides config: its data streams, where to print, and a signal that fires on
 * Ctrl-C. Stages read and write data and result lines only through these, so tests and other
 * callers can run them on their own streams (progress bars draw on the process's stderr).
 */
export interface StageContext {
  /** one line of results for the user (stdout, or stderr while stdout carries data) */
  log(line: string): void;
  /** one line of diagnostics (stderr) */
  warn(line: string): void;
  /** data in (`predict --input -` reads paths from it) */
  stdin: Readable;
  /** data out (`predict --input` writes its rows to it) */
  stdout: Writable;
  /** aborted on SIGINT/SIGTERM: long stages stop at a safe point and keep what is finished */
  signal: AbortSignal;
}

/**
 * A context on the process's own streams, with `overrides`: lines to stdout, diagnostics to stderr,
 * and a signal that never fires unless one is given.
 */
export function createStageContext(overrides: Partial<StageContext> = {}): StageContext {
  return {
    log: (line) => console.log(line),
    warn: (line) => console.error(line),
    stdin: process.stdin,
    stdout: process.stdout,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** An input file and the stage that writes it, so a missing one can say what to run. */
export interface StageInput {
  path: string;
  producer: string;
}

/**
 * One step of the study: its declared inputs (each with the stage that writes it, so a missing one
 * says what to run), the folders it writes, and `run`. What a stage writes is listed in the
 * README's stage table.
 */
export interface Stage {
  name: string;
  inputs(config: PipelineConfig): StageInput[];
  /**
   * The folders it writes files into with `writeFileAtomic` or another `tempPathFor` temp file
   * (not their subfolders): before it runs, the temp files that a killed run left there are
   * removed. Only folders the pipeline owns (under the artifacts folder), never a user's.
   */
  outputs(config: PipelineConfig): string[];
  /**
   * Ends when `ctx.signal` fires (Ctrl-C or SIGTERM), which is then its normal end and not an
   * interruption: a stage that serves until stopped.
   */
  runsUntilStopped?: true;
  run(config: PipelineConfig, ctx: StageContext): Promise<void>;
}

/** Throws MissingInputError for the first declared input that is not on disk. */
export async function checkInputs(stage: Stage, config: PipelineConfig): Promise<void> {
  for (const input of stage.inputs(config)) {
    try {
      await access(input.path);
    } catch {
      throw new MissingInputError(input.path, stage.name, input.producer);
    }
  }
}

/**
 * A stage as the CLI lists it: name and help line up front, the module loaded only when the
 * stage runs, so `--help` or a warm `load` does not pay for TensorFlow.js, vega and sharp.
 */
export interface StageEntry {
  name: string;
  /** one line for --help */
  summary: string;
  /** left out of `--stage all` (a server, which runs until stopped) */
  notInAll?: true;
  load(): Promise<Stage>;
}
