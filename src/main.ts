#!/usr/bin/env node
import { flagHelp, loadConfig } from './config.js';
import { runCli } from './cli.js';
import { InterruptedError, PipelineError } from './errors.js';
import { removeStaleTempFiles } from './io/atomicWrite.js';
import { checkInputs, createStageContext, type StageEntry } from './stage.js';
import { STAGES } from './stages/index.js';

function usage(): string {
  const line = (s: StageEntry) => `  ${s.name.padEnd(10)} ${s.summary}`;
  return [
    'Usage: npm start -- [--stage NAME|all] [flags]',
    '',
    'Stages (--stage all runs them in this order):',
    ...STAGES.filter((s) => !s.notInAll).map(line),
    '',
    'Not part of --stage all:',
    ...STAGES.filter((s) => s.notInAll).map(line),
    '',
    'Flags:',
    ...flagHelp(),
    `  --${'help, -h'.padEnd(21)} this text`,
  ].join('\n');
}

/** The stage running now, for errors that name no file. */
let running = 'the command line';

/** The line saying which temp files of killed runs were removed (the first few, then a count). */
function staleTempLine(removed: string[]): string {
  const shown = removed.slice(0, 3).join(', ');
  const more = removed.length > 3 ? ` (and ${removed.length - 3} more)` : '';
  return `removed ${removed.length} temp file${removed.length > 1 ? 's' : ''} left by interrupted runs: ${shown}${more}`;
}

async function main(argv: string[]): Promise<number> {
  const config = loadConfig(argv);
  if (config.help) {
    console.log(usage());
    return 0;
  }
  const selected = config.stage === 'all' ? STAGES.filter((s) => !s.notInAll) : STAGES.filter((s) => s.name === config.stage);
  if (selected.length === 0) {
    throw new PipelineError(
      `Unknown stage "${config.stage}" (from --stage). Use one of: all, ${STAGES.map((s) => s.name).join(', ')}.`,
    );
  }
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      // Second Ctrl-C: die of the signal itself, at once. process.exit would first wait for
      // every thread, and one blocked in a system call (open() of a FIFO) never returns.
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.kill(process.pid, sig);
      return;
    }
    console.error(`\n${sig}: stopping at the next safe point (press Ctrl-C again to quit at once)`);
    controller.abort(new InterruptedError(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // with --input, predict writes its rows to stdout: every other line goes to stderr
  const say = config.input !== undefined ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const ctx = createStageContext({ log: say, signal: controller.signal });
  for (const entry of selected) {
    running = `stage ${entry.name}`;
    const stage = await entry.load();
    await checkInputs(stage, config);
    const started = performance.now();
    say(`== ${stage.name}`);
    const removed = await removeStaleTempFiles(stage.outputs(config));
    if (removed.length > 0) ctx.warn(staleTempLine(removed));
    try {
      await stage.run(config, ctx);
    } catch (err) {
      // what an interrupted stage reports (nothing to predict, inputs failed) is the interruption's doing
      throw controller.signal.aborted && !stage.runsUntilStopped ? controller.signal.reason : err;
    }
    if (controller.signal.aborted && !stage.runsUntilStopped) throw controller.signal.reason;
    say(`== ${stage.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return 0;
}

runCli(() => main(process.argv.slice(2)), () => running);
