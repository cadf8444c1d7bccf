/**
 * `predict`: the best model (highest validation accuracy, from `evaluate`) or `--model NAME`
 * predicts the test images into predictions/<model>_test.csv (the study's submission), or,
 * with `--input`, new images to stdout.
 */
import type { PipelineConfig } from '../../config.js';
import { PipelineError } from '../../errors.js';
import { readEvaluation } from '../../io/evaluation.js';
import { artifactPaths, dataPaths } from '../../io/paths.js';
import { inferenceBatchSize } from '../../networks/evaluate.js';
import { loadPooledPredictor } from '../../models/pooledPredictor.js';
import { checkModelName, type ModelName } from '../../models/registry.js';
import type { Stage, StageContext } from '../../stage.js';
import { csvSink } from './csvSink.js';
import { createNormalizePool, NEW_IMAGE_COLUMNS, predictNewImages } from './newImages.js';
import { newInputs, nothingToPredict } from './newInputs.js';
import { predictTestSet } from './testSet.js';

/** `--model`, else the best model recorded by `evaluate`. */
async function chooseModel(config: PipelineConfig): Promise<ModelName> {
  if (config.model !== undefined) return checkModelName(config.model, '--model');
  const evaluation = await readEvaluation(config.artifactsDir);
  if (!evaluation) {
    throw new PipelineError(
      `No best model recorded in ${artifactPaths(config.artifactsDir).metrics}. ` +
        'Run `npm start -- --stage evaluate` first, or choose one with --model NAME.',
    );
  }
  return evaluation.best;
}

async function runPredict(config: PipelineConfig, ctx: StageContext): Promise<void> {
  const name = await chooseModel(config);
  if (config.queue !== undefined) {
    // loaded only here: a run on one machine never loads BullMQ and ioredis
    const { predictOverQueue } = await import('../../queue/predictOverQueue.js');
    return predictOverQueue(config, ctx, name);
  }
  const predictor = await loadPooledPredictor(config.artifactsDir, name, config);
  const batchSize = inferenceBatchSize(config);
  const started = performance.now();
  try {
    if (config.input !== undefined) {
      // stdout carries the rows: everything else goes to stderr
      const pool = createNormalizePool(config.workers);
      const sink = csvSink(ctx.stdout, NEW_IMAGE_COLUMNS, false);
      const { total, failed, outputClosed } = await predictNewImages(predictor, newInputs(config.input, ctx.stdin, ctx.signal), {
        pool,
        batchSize,
        sink,
        maxInputBytes: config.maxInputBytes,
        onFailure: (message) => ctx.warn(`error: ${message}`),
        signal: ctx.signal,
      }).finally(() => pool.destroy());
      const seconds = (performance.now() - started) / 1000;
      ctx.warn(
        `${name}: ${total - failed} of ${total} images predicted in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} images/s)` +
          `${outputClosed ? '; standard output was closed, so the rest of the input was not read' : ''}`,
      );
      if (total === 0) throw new PipelineError(nothingToPredict(config.input));
      if (failed > 0) throw new PipelineError(`${failed} of ${total} inputs failed; see the lines above.`);
      return;
    }
    const { path, rows } = await predictTestSet(predictor, { ...config, batchSize, signal: ctx.signal });
    const seconds = (performance.now() - started) / 1000;
    ctx.log(`${name}: ${rows} test images predicted in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} images/s)`);
    ctx.log(`submission CSV: ${path}`);
  } finally {
    await predictor.dispose();
  }
}

/** `predict`: the submission CSV for the test images, or `--input` images to stdout. */
export const predict: Stage = {
  name: 'predict',
  inputs: (c) => {
    if (c.input !== undefined) return [];
    const d = dataPaths(c.dataDir);
    return [d.testSampleCsv, d.testImages].map((path) => ({ path, producer: 'prepare' }));
  },
  // with --input the rows go to stdout: no file is written
  outputs: (c) => (c.input !== undefined ? [] : [artifactPaths(c.artifactsDir).predictions]),
  run: runPredict,
};
