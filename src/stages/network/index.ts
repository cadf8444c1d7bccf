import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PipelineConfig } from '../../config.js';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomicWrite.js';
import { updateMetrics } from '../../io/metrics.js';
import { artifactPaths, networkPaths } from '../../io/paths.js';
import { readPixelCache, UNKNOWN_LABEL, type PixelCache } from '../../io/pixelCache.js';
import { readSplit, type SplitFile } from '../../io/split.js';
import { initBackend } from '../../tfjs/backend.js';
import { registeredProjectKernels } from '../../tfjs/kernels/index.js';
import { evaluateDataset, inferenceBatchSize } from '../../networks/evaluate.js';
import { loadLayersModel, saveLayersModel } from '../../networks/layersFiles.js';
import { withMirrorAverage } from '../../networks/mirrorAverage.js';
import { createDataParallelRunner, trainsDataParallel, type DataParallelRunner } from '../../parallel/dataParallelRunner.js';
import { tf } from '../../tfjs/tf.js';
import { trainModel, type TrainProgress } from '../../networks/train.js';
import { loadTrainState, saveTrainState } from '../../networks/trainState.js';
import type { ImageBatch } from '../../dataset.js';
import { renderTrainingCurves } from '../../plots/trainingCurves.js';
import { createRng, shuffleInPlace } from '../../random.js';
import type { Stage, StageContext } from '../../stage.js';
import type { AugmentOptions } from '../../operators/augmentImages.js';
import type { StepSettings } from '../../networks/schedule.js';
import { augmentEachEpoch, batchCount, holdOut, imageDataset } from './datasets.js';
import { createEpochProgress, epochLine } from './epochReport.js';

/** What differs between the mlp and cnn stages. */
export interface NetworkSpec {
  name: string;
  /** figure title */
  title: string;
  build(seed: number): tf.LayersModel;
  /** used when --epochs / --patience / --batch-size are not given; sized so mlp + cnn fit in 40 minutes (README) */
  defaults: { epochs: number; patience: number; batchSize: number };
  /** how a network designed after the study trains; none: exactly as the study's (see TrainingRecipe) */
  recipe?(config: PipelineConfig): TrainingRecipe;
}

/**
 * Training beyond the study's: such a network fits every training row of the split and is
 * validated (checkpoints, early stopping) on its validation rows, where the study's networks
 * hold out the last 20% of the training rows as Keras's validation_split does.
 */
export interface TrainingRecipe {
  /** how training images are varied; none: as they are */
  augment?: AugmentOptions;
  /** the saved model averages each image's prediction with its mirror's (withMirrorAverage) */
  mirrorAverage: boolean;
  /** each step's settings in a run of `totalSteps` steps */
  stepSettings(totalSteps: number): (step: number) => StepSettings;
  /** one line saying all of the above, for the log */
  describe: string;
  /** what metrics.json records of it */
  record: Record<string, unknown>;
}



/** A training stage for `spec`: reads the pixel cache and split, trains, evaluates the best model. */
export function networkStage(spec: NetworkSpec): Stage {
  return {
    name: spec.name,
    inputs: (c) => {
      const p = artifactPaths(c.artifactsDir);
      return [
        { path: p.cacheManifest, producer: 'load' },
        { path: p.split, producer: 'split' },
      ];
    },
    outputs: (c) => {
      const p = artifactPaths(c.artifactsDir);
      const files = networkPaths(p, spec.name);
      return [files.checkpoint, files.model, dirname(files.history), dirname(files.figure), p.root];
    },
    run: (config, ctx) => runNetwork(spec, config, ctx),
  };
}

async function runNetwork(spec: NetworkSpec, config: PipelineConfig, ctx: StageContext): Promise<void> {
  const paths = artifactPaths(config.artifactsDir);
  const files = networkPaths(paths, spec.name);
  const epochs = config.epochs ?? spec.defaults.epochs;
  const patience = config.patience ?? spec.defaults.patience;
  const batchSize = config.batchSize ?? spec.defaults.batchSize;
  const backend = await initBackend(config.backend);
  ctx.log(`backend: ${backend}`);
  if (backend === 'wasm') {
    const { kernels, gradients } = registeredProjectKernels();
    ctx.log(`project kernels: ${kernels.join(', ')}; gradients: ${gradients.join(', ')}`);
  }
  const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
  const model = spec.build(config.seed);
  model.summary(undefined, undefined, (line) => ctx.log(line));
  // Keras's Adam defaults: learning rate 0.001, betas 0.9 / 0.999, epsilon 1e-7.
  const optimizer = tf.train.adam(0.001, 0.9, 0.999, 1e-7);
  const runner = trainsDataParallel(backend, config.workers)
    ? createDataParallelRunner({ model, optimizer, workers: config.workers })
    : undefined;
  try {
    // A fresh run drops an older run's state, so a later --resume continues this run, not that one.
    if (!config.resume) await rm(files.trainState, { force: true });
    const resume = config.resume ? await loadTrainState(files.trainState, model, optimizer) : undefined;
    if (config.resume) ctx.log(resume ? `resuming after epoch ${resume.epochsDone}` : `nothing to resume in ${files.trainState}: starting at epoch 1`);
    const rng = createRng(config.seed, resume?.rngState);
    const recipe = spec.recipe?.(config);
    const { fit, holdout } = recipe ? { fit: split.train, holdout: split.valid } : holdOut(split.train);
    ctx.log(
      `fit on ${fit.length} images, validate on ${holdout.length}; batch ${batchSize}, ` +
        `up to ${epochs} epochs, early stopping patience ${patience}`,
    );
    if (recipe) ctx.log(recipe.describe);
    const trainBatches = batchCount(fit.length, batchSize);
    if (runner) ctx.log(`training data-parallel on ${runner.workers} ${backend} workers`);
    const bar = createEpochProgress();
    const result = await trainModel({
      model,
      optimizer,
      // the augmentation's seed is drawn after the shuffle, each epoch, from the run's rng (kept for --resume)
      train: imageDataset(cache.train, () => shuffleInPlace([...fit], rng), batchSize, recipe?.augment && augmentEachEpoch(recipe.augment, rng)),
      trainBatches,
      stepSettings: recipe?.stepSettings(epochs * trainBatches),
      valid: imageDataset(cache.train, () => holdout, batchSize),
      rng,
      epochs,
      patience,
      signal: ctx.signal,
      resume,
      runner,
      onEpochStart: (epoch, batches) => bar.start(epoch, epochs, batches),
      onBatchEnd: () => bar.tick(),
      onEpochEnd: async (end) => {
        bar.end();
        ctx.log(epochLine(end.epoch, epochs, end.logs, end.improved));
        if (end.improved) await saveLayersModel(model, files.checkpoint);
        await saveTrainState(files.trainState, model, optimizer, end.progress);
        await writeJsonAtomic(files.history, end.progress.history);
      },
    });
    bar.end();
    const done = result.progress.epochsDone;
    if (result.interrupted) {
      ctx.log(`interrupted in epoch ${done + 1}: ${done} finished epoch(s) kept; continue with --resume`);
      return;
    }
    const best = result.progress.earlyStopping.bestEpoch;
    ctx.log(`${result.stoppedEarly ? 'early stopping' : 'finished'} after epoch ${done}; best val_loss at epoch ${best}`);
    await finish(spec, config, ctx, { progress: result.progress, batchSize, recipe }, cache, split, runner);
  } finally {
    await runner?.close();
    model.dispose();
    optimizer.dispose();
  }
}

/** Curves, the best checkpoint as the final model, its accuracies, and metrics.json. */
async function finish(
  spec: NetworkSpec,
  config: PipelineConfig,
  ctx: StageContext,
  { progress, batchSize, recipe }: { progress: TrainProgress; batchSize: number; recipe: TrainingRecipe | undefined },
  cache: PixelCache,
  split: SplitFile,
  runner: DataParallelRunner | undefined,
): Promise<void> {
  const paths = artifactPaths(config.artifactsDir);
  const files = networkPaths(paths, spec.name);
  const { history } = progress;
  await writeFileAtomic(files.figure, await renderTrainingCurves(history, spec.title));
  const best = await loadLayersModel(files.checkpoint);
  const final = recipe?.mirrorAverage ? withMirrorAverage(best) : best;
  try {
    await saveLayersModel(final, files.model);
    // On the training threads when there are some (both cores), else in this thread. The
    // threads hold the trained net's weights only, so a mirror-averaged model runs here.
    const evaluate = (model: tf.LayersModel, set: tf.data.Dataset<ImageBatch>) =>
      runner && model === best ? runner.evaluateModel(best, set) : evaluateDataset(model, set);
    const inferBatch = inferenceBatchSize(config);
    const validSet = imageDataset(cache.train, () => split.valid, inferBatch);
    const valid = await evaluate(final, validSet);
    // what the mirror adds, on the split that chose it
    const validUnmirrored = final === best ? undefined : await evaluate(best, validSet);
    const testKnown = cache.test.count > 0 && !cache.test.labels.includes(UNKNOWN_LABEL);
    const allTest = Array.from({ length: cache.test.count }, (_, i) => i);
    const test = testKnown ? await evaluate(final, imageDataset(cache.test, () => allTest, inferBatch)) : undefined;
    const fitSeconds = history.seconds.reduce((a, b) => a + b, 0);
    ctx.log(
      `${spec.name}: valid accuracy ${valid.accuracy.toFixed(4)} (${valid.count} images` +
        (validUnmirrored ? `; without test-time flips ${validUnmirrored.accuracy.toFixed(4)})` : ')') +
        (test ? `, test accuracy ${test.accuracy.toFixed(4)} (${test.count} images)` : ', test labels unknown') +
        `; fit ${fitSeconds.toFixed(1)} s, ${(fitSeconds / history.epoch.length).toFixed(1)} s/epoch`,
    );
    await updateMetrics(paths.metrics, spec.name, {
      validAccuracy: valid.accuracy,
      // undefined drops an older run's
      validAccuracyWithoutTestTimeFlips: validUnmirrored?.accuracy,
      testAccuracy: test?.accuracy ?? null,
      fitSeconds,
      secondsPerEpoch: fitSeconds / history.epoch.length,
      epochsRun: history.epoch.length,
      bestEpoch: progress.earlyStopping.bestEpoch,
      bestValLoss: progress.earlyStopping.best,
      batchSize,
      backend: tf.getBackend(),
      parameters: final.countParams(),
      // undefined drops an older run's: the study's networks have none
      recipe: recipe?.record,
    });
  } finally {
    if (final !== best) final.dispose(); // first: it holds `best` as a layer
    best.dispose();
  }
}
