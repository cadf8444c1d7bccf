import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { networkImageSet60, tinyMlp, writeNetworkArtifacts, writeRecordedModel } from '../../fixtures/index.js';
import { fitBoost } from '../../src/boost/fitBoost.js';
import { BOOST_DEFAULTS } from '../../src/boost/model.js';
import { flattenModel, predictProbabilities } from '../../src/boost/predict.js';
import { xgboostJsonPieces } from '../../src/boost/xgboostJson.js';
import { DEFAULTS, type PipelineConfig } from '../../src/config.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { readEvaluation } from '../../src/io/evaluation.js';
import { argmaxRows } from '../../src/learn/metrics.js';
import { readMetrics, updateMetrics } from '../../src/io/metrics.js';
import { artifactPaths } from '../../src/io/paths.js';
import { saveLayersModel } from '../../src/networks/layersFiles.js';
import { evaluate } from '../../src/stages/evaluate.js';
import { createStageContext } from '../../src/stage.js';

/** ml-cart ships no type declarations: the little of it this test uses. */
interface MlCartTree {
  train(rows: number[][], labels: number[]): void;
  predict(rows: number[][]): number[];
  toJSON(): object;
}
const { DecisionTreeClassifier } = createRequire(import.meta.url)('ml-cart') as { DecisionTreeClassifier: new (options: object) => MlCartTree };

const PNG = [0x89, 0x50, 0x4e, 0x47];

describe('evaluate stage', () => {
  let dir: string;
  let config: PipelineConfig;
  const lines: string[] = [];
  const ctx = createStageContext({ log: (l: string) => lines.push(l), signal: new AbortController().signal });
  let treeValidPredictions: number[];
  let boostValidPredictions: Uint8Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evaluate-'));
    config = { ...DEFAULTS, artifactsDir: dir, batchSize: 16, backend: 'cpu' };
    await writeNetworkArtifacts(dir); // 60 images, train = test; valid rows 45..59
    const set = await networkImageSet60();
    const rows = Array.from({ length: 60 }, (_, r) => Array.from(set.pixels.subarray(r * PIXELS_PER_IMAGE, (r + 1) * PIXELS_PER_IMAGE)));
    const tree = new DecisionTreeClassifier({ maxDepth: 4 });
    tree.train(rows.slice(0, 45), Array.from(set.labels.subarray(0, 45)));
    treeValidPredictions = tree.predict(rows.slice(45));
    await writeRecordedModel(dir, 'decision-tree', JSON.stringify(tree.toJSON()));
    const boosted = await fitBoost(
      { pixels: set.pixels, labels: set.labels, numFeature: PIXELS_PER_IMAGE, numClass: 10, train: Int32Array.from({ length: 45 }, (_, i) => i) },
      { params: { ...BOOST_DEFAULTS, rounds: 5, maxLeaves: 4, minDataInLeaf: 2, minChildWeight: 0 } },
    );
    await writeRecordedModel(dir, 'boost', [...xgboostJsonPieces(boosted.model)].join(''));
    boostValidPredictions = argmaxRows(predictProbabilities(flattenModel(boosted.model), set.pixels.slice(45 * PIXELS_PER_IMAGE), 15), 15, 10);
    const mlp = tinyMlp();
    await saveLayersModel(mlp, join(dir, 'models', 'mlp'));
    mlp.dispose();
    const metrics = artifactPaths(dir).metrics;
    await updateMetrics(metrics, 'decision-tree', { cvMean: 0.5, fitSeconds: 1.5 });
    await updateMetrics(metrics, 'mlp', { validAccuracy: 0.1, fitSeconds: 12 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses to run when no model is trained, naming the stages to run', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'evaluate-empty-'));
    try {
      await writeNetworkArtifacts(empty);
      await assert.rejects(evaluate.run({ ...config, artifactsDir: empty }, ctx), {
        message: `No trained model to evaluate in ${join(empty, 'models')}. Run the stage that trains one (trees, boost, mlp, cnn, convnet) first, or use --stage all.`,
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('writes the comparison of the trained models and lists the missing ones', async () => {
    lines.length = 0;
    await evaluate.run(config, ctx);
    const e = (await readEvaluation(dir))!;
    assert.deepEqual(e.table.map((r) => r.model), ['decision-tree', 'boost', 'mlp']);
    assert.deepEqual(e.missing.map((m) => m.model), ['random-forest', 'cnn', 'convnet']);
    assert.equal(e.missing[1]!.message, `Model "cnn" is not trained yet (no ${join(dir, 'models', 'cnn', 'model.json')}). Run \`npm start -- --stage cnn\` first.`);
    const set = await networkImageSet60();
    const treeRow = e.table[0]!;
    const expected = treeValidPredictions.filter((p, i) => p === set.labels[45 + i]).length / 15;
    assert.equal(treeRow.validAccuracy, expected);
    assert.equal(treeRow.cvMean, 0.5);
    assert.equal(treeRow.fitSeconds, 1.5);
    assert.equal(e.table[1]!.validAccuracy, Array.from(boostValidPredictions).filter((p, i) => p === set.labels[45 + i]).length / 15);
    assert.equal(e.table[2]!.cvMean, null);
    const top = e.table.reduce((a, b) => (b.validAccuracy > a.validAccuracy ? b : a));
    assert.equal(e.best, top.model);
    assert.ok(lines.some((l) => l.startsWith('missing: Model "random-forest" is not trained yet')));
    assert.ok(lines.some((l) => /^model +CV mean +valid +test +fit \(s\)$/.test(l)));
  });

  it('scores the test images: confusion counts, per-class support and the misclassified ones', async () => {
    const e = (await readEvaluation(dir))!;
    assert.equal(e.scoredOn, 'test');
    const set = await networkImageSet60();
    for (const name of ['decision-tree', 'boost', 'mlp'] as const) {
      const m = e.models[name]!;
      assert.equal(m.confusion.flat().reduce((a, b) => a + b, 0), 60);
      const diagonal = m.confusion.reduce((s, row, k) => s + row[k]!, 0);
      assert.equal(diagonal / 60, e.table.find((r) => r.model === name)!.testAccuracy);
      assert.deepEqual(m.perClass.map((c) => c.support), m.confusion.map((row) => row.reduce((a, b) => a + b, 0)));
      for (const w of m.misclassified) {
        assert.equal(w.label, set.labels[w.row]);
        assert.notEqual(w.predicted, w.label);
      }
    }
    // other entries of metrics.json are kept
    assert.equal((await readMetrics(artifactPaths(dir).metrics)).mlp!.validAccuracy, 0.1);
  });

  it('draws a confusion heatmap per model and the misclassified grid', async () => {
    for (const f of ['confusion-decision-tree.png', 'confusion-boost.png', 'confusion-mlp.png', 'misclassified.png']) {
      const bytes = await readFile(join(dir, 'figures', f));
      assert.deepEqual([...bytes.subarray(0, 4)], PNG, f);
    }
  });
});
