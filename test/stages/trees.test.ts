import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { treesTest100, treesTrain300, writeTreesArtifacts, type TreesImageSet } from '../../fixtures/index.js';
import { DEFAULTS, type PipelineConfig } from '../../src/config.js';
import { readMetrics, updateMetrics } from '../../src/io/metrics.js';
import { artifactPaths } from '../../src/io/paths.js';
import { sha256 } from '../../src/io/sha256.js';
import { accuracy } from '../../src/learn/metrics.js';
import { modelFile } from '../../src/models/registry.js';
import { trees } from '../../src/stages/trees/index.js';
import { createStageContext } from '../../src/stage.js';

interface MlClassifier {
  predict(rows: number[][]): number[];
}
const require = createRequire(import.meta.url);
const { DecisionTreeClassifier } = require('ml-cart') as { DecisionTreeClassifier: { load(m: unknown): MlClassifier } };
const { RandomForestClassifier } = require('ml-random-forest') as { RandomForestClassifier: { load(m: unknown): MlClassifier } };

const rowsOf = (pixels: Uint8Array, rows: number[]) => rows.map((r) => Array.from(pixels.subarray(r * 784, (r + 1) * 784)));


describe('trees stage', () => {
  let dir: string;
  let config: PipelineConfig;
  let train: TreesImageSet;
  let test: TreesImageSet;
  let valid: number[];
  const lines: string[] = [];

  before(async () => {
    [train, test] = await Promise.all([treesTrain300(), treesTest100()]);
    dir = await mkdtemp(join(tmpdir(), 'trees-'));
    config = { ...DEFAULTS, artifactsDir: dir, workers: 2 };
    ({ valid } = await writeTreesArtifacts(dir, train, test));
    await updateMetrics(artifactPaths(dir).metrics, 'mlp', { validAccuracy: 0.5 });
    await trees.run(config, createStageContext({ log: (l) => lines.push(l), signal: new AbortController().signal }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints per-fold CV accuracy and mean, then valid and test accuracy, for both models', () => {
    assert.equal(lines.length, 4);
    for (const [i, model] of [[0, 'decision-tree'], [2, 'random-forest']] as const) {
      assert.match(lines[i]!, new RegExp(`^${model}: 5-fold CV accuracy( [01]\\.\\d{4}){5}, mean [01]\\.\\d{4} \\(CV \\d+\\.\\d s\\)$`));
      assert.match(lines[i + 1]!, new RegExp(`^${model}: valid accuracy [01]\\.\\d{4} \\(60 images\\), test accuracy [01]\\.\\d{4} \\(100 images\\); fit \\d+\\.\\d s, \\d+ nodes$`));
    }
  });

  it('records each model in metrics.json, keeping the other models', async () => {
    const metrics = await readMetrics(artifactPaths(dir).metrics);
    assert.equal(metrics.mlp!.validAccuracy, 0.5);
    for (const model of ['decision-tree', 'random-forest']) {
      const m = metrics[model]!;
      const scores = m.cvScores as number[];
      assert.equal(scores.length, 5);
      assert.ok(scores.every((s) => s > 0.4 && s <= 1), `${model} CV ${scores}`);
      assert.equal(m.cvMean, scores.reduce((a, b) => a + b, 0) / 5);
      for (const key of ['validAccuracy', 'testAccuracy', 'fitSeconds', 'cvSeconds', 'fitTreeSeconds', 'cvTreeSeconds', 'nodes']) {
        assert.equal(typeof m[key], 'number', `${model}.${key}`);
      }
      assert.equal(m.modelPath, modelFile(dir, model as 'decision-tree'));
      assert.equal(m.modelSha256, sha256(await readFile(modelFile(dir, model as 'decision-tree'))), `${model}: the sha256 of the file as written`);
    }
    assert.ok((metrics['random-forest']!.validAccuracy as number) > (metrics['decision-tree']!.validAccuracy as number));
  });

  it('saves models that ml-cart and ml-random-forest load and that score what metrics.json says', async () => {
    const metrics = await readMetrics(artifactPaths(dir).metrics);
    const validLabels = valid.map((r) => train.labels[r]!);
    for (const [model, loader] of [['decision-tree', DecisionTreeClassifier], ['random-forest', RandomForestClassifier]] as const) {
      const loaded = loader.load(JSON.parse(await readFile(modelFile(dir, model), 'utf8')));
      assert.equal(accuracy(validLabels, loaded.predict(rowsOf(train.pixels, valid))), metrics[model]!.validAccuracy);
      assert.equal(accuracy(test.labels, loaded.predict(rowsOf(test.pixels, Array.from({ length: 100 }, (_, i) => i)))), metrics[model]!.testAccuracy);
    }
    assert.deepEqual((await readdir(artifactPaths(dir).models)).sort(), ['decision-tree.json', 'random-forest.json'], 'no temp files left');
  });

  it('stops without writing models when interrupted', async () => {
    const other = await mkdtemp(join(tmpdir(), 'trees-abort-'));
    try {
      await writeTreesArtifacts(other, train, test);
      const controller = new AbortController();
      controller.abort(new Error('interrupted'));
      await trees.run({ ...config, artifactsDir: other }, createStageContext({ log: () => undefined, signal: controller.signal }));
      assert.deepEqual(await readdir(other), ['cache', 'split.json'].sort());
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

});
