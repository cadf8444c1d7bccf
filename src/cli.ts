import { PipelineError } from './errors.js';
import { describeSystemError } from './systemErrors.js';

/**
 * Runs a command's `main` and turns how it ended into the exit status: a PipelineError or a
 * system error (ENOSPC, EACCES) as one `error:` line saying what to do, anything else (a bug)
 * with its stack trace, which is what a report needs. `during` names what was running, for
 * system errors that name no file.
 */
export function runCli(main: () => Promise<number>, during: () => string): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const system = describeSystemError(err, during());
      if (err instanceof PipelineError) {
        console.error(`error: ${err.message}`);
        process.exitCode = err.exitCode;
      } else if (system !== undefined) {
        console.error(`error: ${system}`);
        process.exitCode = 1;
      } else {
        console.error(err);
        process.exitCode = 1;
      }
    },
  );
}
