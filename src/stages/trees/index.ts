/**
 * `trees`: the study's decision tree and random forest on the 784 pixels. Each is scored by
 * 5-fold stratified cross-validation on the training rows, then fitted on all of them and
 * scored on the validation (and, when labels are known, test) images. Every tree is fitted in
 * the worker pool; the models are saved in mljs JSON (ml-cart / ml-random-forest) format.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { imageRows, PIXELS_PER_IMAGE } from '../../dataset.js';
import { updateMetrics } from '../../io/metrics.js';
import { artifactPaths } from '../../io/paths.js';
import { readPixelCache, UNKNOWN_LABEL } from '../../io/pixelCache.js';
import { writeFileAtomicSha256 } from '../../io/sha256.js';
import { readSplit } from '../../io/split.js';
import { ForestVotes } from '../../learn/forest.js';
import { accuracy } from '../../learn/metrics.js';
import { mlForestJsonChunks, toMlCartJson } from '../../learn/mlJson.js';
import { predictTree, type Tree } from '../../learn/tree.js';
import { modelFile, modelsOfStage } from '../../models/registry.js';
import { createProgress } from '../../progress.js';
import type { Stage } from '../../stage.js';
import { createTreePool, fitAll, type FitOutcome, type FitSpec, type TreeRunner } from './fitAll.js';
import { formatResult, metricsEntry, type FitTiming, type ModelResult } from './results.js';
import { CV_FOLDS, planFits, treeCount, treeModelName, type PlannedFit, type TreeModelName } from './plan.js';
import { treeTrainingData } from './trainingData.js';

/** The registry's models of this stage, each with its learner in plan.ts. */
const MODEL_NAMES = modelsOfStage('trees').map(treeModelName);

/**
 * The model's classes for row-major `pixels`. A forest is scored a tree at a time, giving the
 * event loop a turn between trees: the pool's next tasks (a decision tree's parts) are only
 * sent from here, and scoring a forest takes a while (with the forest's model file written in
 * one go as well, both workers sat idle after the final forest; bench/RESULTS.md).
 */
async function predict(kind: FitSpec['kind'], trees: Tree[], pixels: Uint8Array): Promise<Uint8Array> {
  const count = pixels.length / PIXELS_PER_IMAGE;
  if (kind === 'tree') return predictTree(trees[0]!, pixels, PIXELS_PER_IMAGE, count);
  const votes = new ForestVotes(trees[0]!.numClasses, count);
  for (const tree of trees) {
    votes.add(tree, pixels, PIXELS_PER_IMAGE);
    await nextTurn();
  }
  return votes.classes;
}

export const trees: Stage = {
  name: 'trees',
  inputs: (c) => {
    const a = artifactPaths(c.artifactsDir);
    return [{ path: a.cacheManifest, producer: 'load' }, { path: a.split, producer: 'split' }];
  },
  outputs: (c) => {
    const a = artifactPaths(c.artifactsDir);
    return [a.models, a.root];
  },
  async run(c, ctx) {
    const paths = artifactPaths(c.artifactsDir);
    const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
    const trainRows = split.train;
    const training = treeTrainingData(cache, split, c.seed);
    const { data, folds } = training;
    const plan = planFits(MODEL_NAMES, training.all, training.foldTrain.map((train) => ({ train })), PIXELS_PER_IMAGE, c.seed);
    const valid = { pixels: imageRows(cache.train.pixels, split.valid), labels: Uint8Array.from(split.valid, (r) => cache.train.labels[r]!) };
    const testKnown = cache.test.count > 0 && !cache.test.labels.includes(UNKNOWN_LABEL);
    const cv = new Map<TreeModelName, ModelResult['cv']>(MODEL_NAMES.map((m) => [m, []]));
    const finals = new Map<TreeModelName, ModelResult>();
    const modelSha256 = new Map<TreeModelName, string>();
    const timing = (o: FitOutcome): FitTiming => ({ start: o.start, end: o.end, treeSeconds: o.treeSeconds });

    const scoreFold = async ({ model, spec }: PlannedFit, fold: number, outcome: FitOutcome) => {
      const rows = folds[fold]!.test;
      const pixels = imageRows(cache.train.pixels, Array.from(rows, (i) => trainRows[i]!));
      const labels = Uint8Array.from(rows, (i) => data.labels[i]!);
      cv.get(model)![fold] = { ...timing(outcome), accuracy: accuracy(labels, await predict(spec.kind, outcome.trees, pixels)) };
    };
    const scoreFinal = async ({ model, spec }: PlannedFit, outcome: FitOutcome) => {
      finals.set(model, {
        model,
        cv: cv.get(model)!, // the same array the folds fill: complete once every fit is done
        fit: timing(outcome),
        nodes: outcome.trees.reduce((n, t) => n + t.feature.length, 0),
        validAccuracy: accuracy(valid.labels, await predict(spec.kind, outcome.trees, valid.pixels)),
        testAccuracy: testKnown ? accuracy(cache.test.labels, await predict(spec.kind, outcome.trees, cache.test.pixels)) : null,
      });
      // a forest's text is made and written a tree at a time (~60 MB, slow to make in one go)
      const json = spec.kind === 'tree' ? toMlCartJson(outcome.trees[0]!) : mlForestJsonChunks(outcome.trees, PIXELS_PER_IMAGE, c.seed);
      modelSha256.set(model, await writeFileAtomicSha256(modelFile(c.artifactsDir, model), json));
    };

    const where = c.queue === undefined ? `${c.workers} workers` : 'queue workers';
    const progress = createProgress(`trees (${CV_FOLDS}-fold CV + fit, ${where})`, treeCount(plan));
    // loaded only with --queue: a run on one machine never loads BullMQ and ioredis
    const pool: TreeRunner = c.queue === undefined
      ? createTreePool(c.workers)
      : await (await import('../../queue/treeRunner.js')).createQueueTreeRunner(c, training, ctx);
    try {
      await fitAll(pool, data, plan.map((p) => p.spec), ctx.signal, async (i, outcome) => {
        const planned = plan[i]!;
        await (planned.fold === undefined ? scoreFinal(planned, outcome) : scoreFold(planned, planned.fold, outcome));
      }, () => progress.tick());
    } catch (err) {
      if (ctx.signal.aborted) return; // main reports the interruption; nothing half-done was written
      throw err;
    } finally {
      await pool.destroy();
    }
    progress.done();

    // Each model file is written before its metrics.json entry (no one write can hold both), so
    // the entry records the file's sha256: a run killed in between leaves a model that every
    // reader refuses (models/predictor.ts) rather than one described by another run's figures.
    for (const model of MODEL_NAMES) {
      const result = finals.get(model)!;
      for (const line of formatResult(result, valid.labels.length, cache.test.count)) ctx.log(line);
      await updateMetrics(paths.metrics, model, metricsEntry(result, { path: modelFile(c.artifactsDir, model), sha256: modelSha256.get(model)! }));
    }
  },
};
