import { constants } from 'node:os';

/**
 * Every error the pipeline raises on purpose. Each message says what failed, the exact value
 * or path, and what to do next; `main.ts` prints `message` as the one-line cause and exits
 * with `exitCode`.
 */

/** Base class: an expected failure whose message is meant for the user, not a stack trace. */
export class PipelineError extends Error {
  override name = 'PipelineError';
  /** the process's exit status when this ends the run */
  readonly exitCode: number = 1;
}

/**
 * The run was stopped by a signal (Ctrl-C, `kill`). It exits 128 + the signal's number (130 for
 * SIGINT, 143 for SIGTERM), as a process killed by it would, so a calling script can tell an
 * interruption from a failure.
 */
export class InterruptedError extends PipelineError {
  override name = 'InterruptedError';
  override readonly exitCode: number;
  constructor(signal: NodeJS.Signals) {
    super(`Interrupted by ${signal}; finished work is kept.`);
    this.exitCode = 128 + constants.signals[signal];
  }
}

/** A flag or config value is out of range or of the wrong type. */
export class ConfigError extends PipelineError {
  override name = 'ConfigError';
  constructor(name: string, expected: string, actual: unknown, flag?: string) {
    super(
      `Expected ${expected} for ${name} but received ${JSON.stringify(actual)}` +
        (flag ? ` (from ${flag}).` : '.'),
    );
  }
}

/** A stage's input artifact is not on disk: names the stage that produces it. */
export class MissingInputError extends PipelineError {
  override name = 'MissingInputError';
  constructor(path: string, stage: string, producer: string) {
    super(
      `Missing ${path} (input of stage "${stage}"). ` +
        `Run \`npm start -- --stage ${producer}\` first, or use --stage all.`,
    );
  }
}

/** Input data (an image, a CSV row, an IDX header) is malformed. */
export class DataError extends PipelineError {
  override name = 'DataError';
}

/**
 * The pixel cache on disk is not the whole cache its manifest describes (a file changed or
 * missing, a manifest of an older version): `load` rebuilds it, every other stage stops.
 */
export class CacheError extends PipelineError {
  override name = 'CacheError';
  /** what is wrong, without the advice: `load` prints it before rebuilding */
  readonly reason: string;
  constructor(cacheDir: string, reason: string) {
    super(`The pixel cache at ${cacheDir} is not usable: ${reason}. Run \`npm start -- --stage load\` to rebuild it.`);
    this.reason = reason;
  }
}

/** `cause` of a worker's errors that mean bad input: an error's class does not survive the worker boundary. */
export const DATA_ERROR_CAUSE = 'DataError';

/**
 * A file whose bytes cannot be decoded (not the format, truncated, corrupt, a zlib bomb).
 * `problem` says what is wrong without the file or the advice, for a caller that words its own
 * advice (predict's inputs have no CSV row to remove).
 */
export class UndecodableError extends DataError {
  constructor(
    message: string,
    readonly problem: string,
  ) {
    super(message);
  }
}
