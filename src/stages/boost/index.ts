/**
 * `boost`: gradient-boosted trees (XGBoost's multi:softprob) on the 784 pixels. One fit on the
 * training rows, scored on the validation rows every round; early stopping keeps the best
 * round. With `--cv`, 5-fold stratified CV of the training rows at the same settings and the
 * chosen number of rounds. The model is saved in XGBoost's JSON format (models/boost.json),
 * loadable by XGBoost itself, with its curves, its importance per pixel and metrics.json's entry.
 */
import type { BoostSettings, PipelineConfig } from '../../config.js';
import { fitBoost, type BoostData, type BoostRound } from '../../boost/fitBoost.js';
import { totalGain } from '../../boost/importance.js';
import type { BoostParams } from '../../boost/model.js';
import { flattenModel, predictProbabilities, type FlatForest } from '../../boost/predict.js';
import { xgboostJsonPieces } from '../../boost/xgboostJson.js';
import { IMAGE_SIZE_PX, imageRows, NUM_CLASSES, PIXELS_PER_IMAGE } from '../../dataset.js';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomicWrite.js';
import { updateMetrics } from '../../io/metrics.js';
import { artifactPaths, boostPaths } from '../../io/paths.js';
import { readPixelCache, UNKNOWN_LABEL } from '../../io/pixelCache.js';
import { writeFileAtomicSha256 } from '../../io/sha256.js';
import { readSplit } from '../../io/split.js';
import { accuracy, argmaxRows } from '../../learn/metrics.js';
import { stratifiedKFold } from '../../learn/stratifiedKFold.js';
import { modelFile } from '../../models/registry.js';
import { renderPixelHeatmap } from '../../plots/pixelHeatmap.js';
import { renderTrainingCurves, type TrainingHistory } from '../../plots/trainingCurves.js';
import { createProgress } from '../../progress.js';
import type { Stage, StageContext } from '../../stage.js';
import { cvLine, formatRounds, resultLine } from './results.js';

const NAME = 'boost';
const CV_FOLDS = 5;
/** a line of scores every this many rounds, between the progress bar's redraws */
const LOG_EVERY = 100;

/** The learner's parameters from the stage's settings and --seed. */
export function boostParams({ cv: _cv, ...settings }: BoostSettings, seed: number): BoostParams {
  return { ...settings, seed };
}

/** Accuracy of `forest` on row-major `images` against `labels` (one per image). */
function accuracyOn(forest: FlatForest, images: Uint8Array, labels: Uint8Array): number {
  const count = labels.length;
  return accuracy(labels, argmaxRows(predictProbabilities(forest, images, count), count, NUM_CLASSES));
}

/** The rounds' scores as the training-curves figure takes them (1-based rounds). */
export function roundsHistory(rounds: BoostRound[]): TrainingHistory & { seconds: number[] } {
  return {
    epoch: rounds.map((r) => r.round + 1),
    loss: rounds.map((r) => r.train.mlogloss),
    accuracy: rounds.map((r) => r.train.accuracy),
    val_loss: rounds.map((r) => r.valid!.mlogloss),
    val_accuracy: rounds.map((r) => r.valid!.accuracy),
    seconds: rounds.map((r) => r.seconds),
  };
}

/**
 * Held-out accuracy of each of 5 stratified folds of the training rows, each fit at `params`
 * with `rounds` rounds and no early stopping (the held-out fold must not choose its model).
 * Undefined when interrupted.
 */
async function crossValidate(data: BoostData, params: BoostParams, workers: number, ctx: StageContext): Promise<number[] | undefined> {
  const trainRows = data.train;
  const folds = stratifiedKFold(Uint8Array.from(trainRows, (r) => data.labels[r]!), CV_FOLDS, params.seed);
  const progress = createProgress(`boost ${CV_FOLDS}-fold CV (${params.rounds} rounds each)`, CV_FOLDS * params.rounds);
  const scores: number[] = [];
  for (const fold of folds) {
    const train = Int32Array.from(fold.train, (i) => trainRows[i]!);
    const held = Int32Array.from(fold.test, (i) => trainRows[i]!);
    const fit = await fitBoost({ ...data, train, valid: undefined }, { params: { ...params, earlyStoppingRounds: 0 }, workers, signal: ctx.signal, onRound: () => progress.tick() });
    if (fit.interrupted) return undefined;
    scores.push(accuracyOn(flattenModel(fit.model), imageRows(data.pixels, held), Uint8Array.from(held, (r) => data.labels[r]!)));
  }
  progress.done();
  return scores;
}

export const boost: Stage = {
  name: NAME,
  inputs: (c) => {
    const a = artifactPaths(c.artifactsDir);
    return [{ path: a.cacheManifest, producer: 'load' }, { path: a.split, producer: 'split' }];
  },
  outputs: (c) => {
    const a = artifactPaths(c.artifactsDir);
    return [a.models, a.figures, a.history, a.root];
  },
  async run(c: PipelineConfig, ctx: StageContext) {
    const paths = artifactPaths(c.artifactsDir);
    const files = boostPaths(paths);
    const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
    const params = boostParams(c.boost, c.seed);
    // a round grows one tree per class, each on one thread: more threads than classes would idle
    const workers = Math.min(c.workers, NUM_CLASSES);
    const data: BoostData = {
      pixels: cache.train.pixels,
      labels: cache.train.labels,
      numFeature: PIXELS_PER_IMAGE,
      numClass: NUM_CLASSES,
      train: Int32Array.from(split.train),
      valid: Int32Array.from(split.valid),
    };

    const progress = createProgress(`boost (up to ${params.rounds} rounds, ${workers} workers)`, params.rounds);
    const started = performance.now();
    const fit = await fitBoost(data, {
      params,
      workers,
      signal: ctx.signal,
      onRound: (r) => {
        progress.tick();
        if ((r.round + 1) % LOG_EVERY === 0) ctx.log(formatRounds(r));
      },
    });
    const fitSeconds = (performance.now() - started) / 1000;
    if (fit.interrupted) return; // main reports the interruption; nothing was written
    progress.done();
    const { model, history } = fit;
    const rounds = model.bestIteration + 1;
    ctx.log(`boost: ${fit.stoppedEarly ? 'early stopping' : 'finished'} after round ${history.length}; best valid mlogloss at round ${rounds}`);

    const validLabels = Uint8Array.from(split.valid, (r) => cache.train.labels[r]!);
    const forest = flattenModel(model);
    const validAccuracy = accuracyOn(forest, imageRows(cache.train.pixels, split.valid), validLabels);
    const testKnown = cache.test.count > 0 && !cache.test.labels.includes(UNKNOWN_LABEL);
    const predictStart = performance.now();
    const testAccuracy = testKnown ? accuracyOn(forest, cache.test.pixels, cache.test.labels) : null;
    const testPredictSeconds = testKnown ? (performance.now() - predictStart) / 1000 : null;

    const cvScores = c.boost.cv ? await crossValidate(data, { ...params, rounds }, workers, ctx) : undefined;
    if (ctx.signal.aborted) return;

    // The model before its metrics.json entry, which records its sha256 (see models/predictor.ts).
    const modelSha256 = await writeFileAtomicSha256(modelFile(c.artifactsDir, NAME), xgboostJsonPieces(model));
    const curves = roundsHistory(history);
    await writeJsonAtomic(files.history, curves);
    await writeFileAtomic(files.figure, await renderTrainingCurves(curves, 'Gradient boosting: mlogloss and accuracy per round', { step: 'round' }));
    const gain = totalGain(model);
    await writeFileAtomic(files.importance, await renderPixelHeatmap(gain, IMAGE_SIZE_PX, 'Gradient boosting: total split gain per pixel', 'gain'));

    const result = { validAccuracy, testAccuracy, validCount: validLabels.length, testCount: cache.test.count, fitSeconds, rounds: history.length, bestRound: rounds, trees: model.trees.length };
    if (cvScores) ctx.log(cvLine(cvScores));
    ctx.log(resultLine(result));
    await updateMetrics(paths.metrics, NAME, {
      // undefined drops a previous run's CV scores: they would describe other settings
      cvScores,
      cvMean: cvScores && cvScores.reduce((a, b) => a + b, 0) / cvScores.length,
      validAccuracy,
      testAccuracy,
      fitSeconds,
      secondsPerRound: fitSeconds / history.length,
      roundsRun: history.length,
      bestRound: rounds,
      trees: model.trees.length,
      testPredictSeconds,
      params,
      workers,
      importancePath: files.importance,
      modelPath: modelFile(c.artifactsDir, NAME),
      modelSha256,
    });
  },
};
