import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodePng, treesTest100, treesTrain300, writeTreesArtifacts, type TreesImageSet } from '../../fixtures/index.js';
import { parseXgboostJson } from '../../src/boost/xgboostJson.js';
import { flattenModel, predictProbabilities } from '../../src/boost/predict.js';
import { loadConfig, type PipelineConfig } from '../../src/config.js';
import { readMetrics } from '../../src/io/metrics.js';
import { artifactPaths, boostPaths } from '../../src/io/paths.js';
import { sha256 } from '../../src/io/sha256.js';
import { accuracy, argmaxRows } from '../../src/learn/metrics.js';
import { loadPredictor, modelFile } from '../../src/models/registry.js';
import { createStageContext } from '../../src/stage.js';
import { boost } from '../../src/stages/boost/index.js';


/** Small trees and few rounds, through the command line's own flags. */
const FLAGS = ['--rounds', '30', '--max-leaves', '8', '--min-data-in-leaf', '5', '--learning-rate', '0.3', '--early-stopping-rounds', '5'];

async function runStage(config: PipelineConfig, signal = new AbortController().signal): Promise<string[]> {
  const lines: string[] = [];
  await boost.run(config, createStageContext({ log: (l) => lines.push(l), signal }));
  return lines;
}

const rowsOf = (pixels: Uint8Array, rows: number[]) => {
  const out = new Uint8Array(rows.length * 784);
  rows.forEach((r, i) => out.set(pixels.subarray(r * 784, (r + 1) * 784), i * 784));
  return out;
};

describe('boost stage', () => {
  let dir: string;
  let config: PipelineConfig;
  let train: TreesImageSet;
  let test: TreesImageSet;
  let valid: number[];
  let lines: string[];

  before(async () => {
    [train, test] = await Promise.all([treesTrain300(), treesTest100()]);
    dir = await mkdtemp(join(tmpdir(), 'boost-'));
    config = { ...loadConfig([...FLAGS, '--cv']), artifactsDir: dir, workers: 2 };
    ({ valid } = await writeTreesArtifacts(dir, train, test));
    lines = await runStage(config);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints the stop, the CV accuracies and valid and test accuracy', () => {
    assert.match(lines[0]!, /^boost: (early stopping|finished) after round \d+; best valid mlogloss at round \d+$/);
    assert.match(lines[1]!, /^boost: 5-fold CV accuracy( 0\.\d{4}){5}, mean 0\.\d{4}$/);
    assert.match(lines[2]!, /^boost: valid accuracy 0\.\d{4} \(60 images\), test accuracy 0\.\d{4} \(100 images\); fit \d+\.\d s, \d\.\d{3} s\/round, best round \d+ of \d+, \d+ trees$/);
    assert.equal(lines.length, 3);
  });

  it('saves an XGBoost JSON model of the best round that scores what metrics.json says', async () => {
    const m = (await readMetrics(artifactPaths(dir).metrics)).boost!;
    const bytes = await readFile(modelFile(dir, 'boost'));
    assert.equal(m.modelSha256, sha256(bytes));
    const model = parseXgboostJson(bytes.toString('utf8'), 'boost.json');
    assert.equal(model.trees.length, (m.bestRound as number) * 10);
    assert.equal(model.bestIteration + 1, m.bestRound);
    const forest = flattenModel(model);
    const score = (pixels: Uint8Array, labels: ArrayLike<number>) => accuracy(labels, argmaxRows(predictProbabilities(forest, pixels, labels.length), labels.length, 10));
    assert.equal(m.validAccuracy, score(rowsOf(train.pixels, valid), valid.map((r) => train.labels[r]!)));
    assert.equal(m.testAccuracy, score(test.pixels, test.labels));
    assert.ok((m.validAccuracy as number) > 0.6, `valid ${m.validAccuracy}`);
    const { cv: _cv, ...settings } = config.boost;
    assert.deepEqual(m.params, { ...settings, seed: config.seed });
    assert.deepEqual([settings.rounds, settings.maxLeaves, settings.learningRate, settings.earlyStoppingRounds], [30, 8, 0.3, 5], 'the flags reached the stage');
    const cv = m.cvScores as number[];
    assert.equal(cv.length, 5);
    assert.equal(m.cvMean, cv.reduce((a, b) => a + b, 0) / 5);
    // the registry's loader (evaluate, predict) gives the same probabilities
    const predictor = await loadPredictor(dir, 'boost');
    const probs = await predictor.predictBatch(test.pixels, 100);
    assert.deepEqual(Array.from(probs), Array.from(Float32Array.from(predictProbabilities(forest, test.pixels, 100))));
  });

  it('draws the curves per round and the 28x28 importance, and records the history', async () => {
    const files = boostPaths(artifactPaths(dir));
    const m = (await readMetrics(artifactPaths(dir).metrics)).boost!;
    const history = JSON.parse(await readFile(files.history, 'utf8')) as Record<string, number[]>;
    assert.equal(history.epoch!.length, m.roundsRun);
    assert.deepEqual(history.epoch!.slice(0, 3), [1, 2, 3]);
    assert.ok(history.loss![0]! > history.loss![history.loss!.length - 1]!, 'train mlogloss falls');
    for (const [file, size] of [[files.figure, [800, 450]], [files.importance, [640, 600]]] as const) {
      const png = await decodePng(await readFile(file));
      assert.deepEqual([png.width, png.height], size);
    }
    assert.deepEqual((await readdir(artifactPaths(dir).models)).sort(), ['boost.json'], 'no temp files left');
  });

  it('writes the same model bytes with 1 and 2 workers, and drops the CV scores of an earlier run', async () => {
    const other = await mkdtemp(join(tmpdir(), 'boost-one-'));
    try {
      await writeTreesArtifacts(other, train, test);
      await runStage({ ...config, boost: { ...config.boost, cv: false }, artifactsDir: other, workers: 1 });
      assert.deepEqual(await readFile(modelFile(other, 'boost')), await readFile(modelFile(dir, 'boost')));
      await runStage({ ...config, boost: { ...config.boost, cv: false } });
      assert.equal((await readMetrics(artifactPaths(dir).metrics)).boost!.cvScores, undefined);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('stops without writing anything when interrupted', async () => {
    const other = await mkdtemp(join(tmpdir(), 'boost-abort-'));
    try {
      await writeTreesArtifacts(other, train, test);
      const controller = new AbortController();
      controller.abort(new Error('interrupted'));
      assert.deepEqual(await runStage({ ...config, artifactsDir: other }, controller.signal), []);
      assert.deepEqual((await readdir(other)).sort(), ['cache', 'split.json']);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

});
