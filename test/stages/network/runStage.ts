import { loadConfig } from '../../../src/config.js';
import { createStageContext, type Stage } from '../../../src/stage.js';

/**
 * Runs a stage with these flags and collects the lines it logs; `abortAfterLine` fires the
 * stage's abort signal (as Ctrl-C does) right after the first line that matches it.
 */
export async function runStageLines(stage: Stage, flags: string[], abortAfterLine?: RegExp): Promise<string[]> {
  const controller = new AbortController();
  const lines: string[] = [];
  await stage.run(loadConfig(flags), createStageContext({
    log: (line) => {
      lines.push(line);
      if (abortAfterLine?.test(line)) controller.abort();
    },
    signal: controller.signal,
  }));
  return lines;
}
