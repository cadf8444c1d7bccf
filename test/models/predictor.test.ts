import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { RandomForestClassifier } from 'ml-random-forest';
import { randomBoostModel, writeRecordedModel } from '../../fixtures/index.js';
import { flattenModel, predictProbabilities } from '../../src/boost/predict.js';
import { xgboostJsonPieces } from '../../src/boost/xgboostJson.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { PipelineError } from '../../src/errors.js';
import { argmaxRows } from '../../src/learn/metrics.js';
import { saveLayersModel } from '../../src/networks/layersFiles.js';
import { loadPooledPredictor } from '../../src/models/pooledPredictor.js';
import { checkModelName, loadPredictor, modelFile, trainedModels } from '../../src/models/registry.js';
import { tf } from '../../src/tfjs/tf.js';
import { compileTreeJson } from '../../src/models/treeJson.js';

/** ml-cart ships no type declarations: the little of it these tests use. */
interface MlCartTree {
  train(rows: number[][], labels: number[]): void;
  predict(rows: number[][]): number[];
  toJSON(): object;
}
const { DecisionTreeClassifier } = createRequire(import.meta.url)('ml-cart') as { DecisionTreeClassifier: new (options: object) => MlCartTree };

/** Deterministic uint8 rows: `n` x `width`, labels from two pixels so trees have structure. */
function toyData(n: number, width: number) {
  let s = 7;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const rows = Array.from({ length: n }, () => Array.from({ length: width }, () => Math.floor(rnd() * 256)));
  const labels = rows.map((r) => (r[3]! > 128 ? 1 : 0) + (r[7]! > 100 ? 2 : 0));
  return { rows, labels, pixels: Uint8Array.from(rows.flat()) };
}

describe('compileTreeJson', () => {
  const data = toyData(120, 16);

  it('predicts the same classes as ml-cart for a DecisionTreeClassifier', () => {
    const tree = new DecisionTreeClassifier({ maxDepth: 5 });
    tree.train(data.rows, data.labels);
    const model = compileTreeJson(JSON.parse(JSON.stringify(tree.toJSON())), 4, 'tree.json');
    const probs = model.predictProbabilities(data.pixels, 120, 16);
    assert.deepEqual(Array.from(argmaxRows(probs, 120, 4)), tree.predict(data.rows));
  });

  it('averages leaf distributions over a forest whose trees use column subsets', () => {
    const forest = new RandomForestClassifier({ nEstimators: 6, maxFeatures: 0.5, seed: 3, noOOB: true });
    forest.train(data.rows, data.labels);
    const json = JSON.parse(JSON.stringify(forest.toJSON()));
    const model = compileTreeJson(json, 4, 'forest.json');
    const probs = model.predictProbabilities(data.pixels, 120, 16);
    // expected: each estimator's own leaf distribution on its own columns, averaged
    for (const row of [0, 1, 50, 119]) {
      const expected = [0, 0, 0, 0];
      forest.estimators!.forEach((est: { root: { classify(r: number[]): { getRow(i: number): number[] } } }, i: number) => {
        const sub = json.baseModel.indexes[i].map((c: number) => data.rows[row]![c]!);
        est.root.classify(sub).getRow(0).forEach((p, c) => (expected[c]! += p / 6));
      });
      expected.forEach((p, c) => assert.ok(Math.abs(probs[row * 4 + c]! - p) < 1e-6, `row ${row} class ${c}: ${probs[row * 4 + c]} vs ${p}`));
    }
    assert.equal(model.trees, 6);
  });

  it("breaks a forest's tie like its vote: the class that reached the top first wins", () => {
    const leaf = (distribution: number[]) => ({ name: 'DTClassifier', root: { distribution: [distribution] } });
    const forest = { name: 'RFClassifier', baseModel: { estimators: [leaf([0, 1]), leaf([1, 0])] } };
    const probs = compileTreeJson(forest, 2, 'forest.json').predictProbabilities(new Uint8Array(1), 1, 1);
    assert.deepEqual(Array.from(argmaxRows(probs, 1, 2)), [1]);
    assert.ok(Math.abs(probs[0]! - 0.5) < 1e-7 && Math.abs(probs[1]! - 0.5) < 1e-7);
  });

  it('refuses JSON that is not an mljs model', () => {
    assert.throws(() => compileTreeJson({ name: 'SVM' }, 10, 'models/x.json'), {
      message: 'models/x.json is not an ml-cart DTClassifier or ml-random-forest RFClassifier model (its "name" is "SVM"). Train it again with `npm start -- --stage trees`.',
    });
  });
});

describe('loadPredictor', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'predictor-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('says which stage to run for a model that is not trained', async () => {
    await assert.rejects(loadPredictor(dir, 'cnn'), {
      message: `Model "cnn" is not trained yet (no ${join(dir, 'models', 'cnn', 'model.json')}). Run \`npm start -- --stage cnn\` first.`,
    });
  });

  it('rejects an unknown model name, listing the known ones', () => {
    assert.throws(() => checkModelName('svm', '--model'), {
      message: 'Expected decision-tree | random-forest | boost | mlp | cnn | convnet for model but received "svm" (from --model).',
    });
  });

  it('loads a decision tree saved as JSON and gives one probability row per image', async () => {
    const { rows, labels } = toyData(60, PIXELS_PER_IMAGE);
    const tree = new DecisionTreeClassifier({ maxDepth: 3 });
    tree.train(rows.map((r) => r.slice(0, 16)), labels);
    await writeRecordedModel(dir, 'decision-tree', JSON.stringify(tree.toJSON()));
    const predictor = await loadPredictor(dir, 'decision-tree');
    const probs = await predictor.predictBatch(Uint8Array.from(rows.flat()), 60);
    assert.equal(probs.length, 60 * 10);
    assert.deepEqual(Array.from(argmaxRows(probs, 60, 10)), tree.predict(rows.map((r) => r.slice(0, 16))));
    assert.deepEqual(await trainedModels(dir), ['decision-tree']);
  });

  it('loads a boosted model saved as XGBoost JSON and gives its softmax probabilities', async () => {
    const model = randomBoostModel(5, { rounds: 4 });
    await writeRecordedModel(dir, 'boost', [...xgboostJsonPieces(model)].join(''));
    const predictor = await loadPredictor(dir, 'boost');
    const pixels = Uint8Array.from({ length: 7 * PIXELS_PER_IMAGE }, (_, i) => (i * 13) % 256);
    const expected = predictProbabilities(flattenModel(model), pixels, 7);
    const probs = await predictor.predictBatch(pixels, 7);
    assert.ok(probs instanceof Float32Array);
    assert.deepEqual(Array.from(probs), Array.from(Float32Array.from(expected)));
    assert.deepEqual(await trainedModels(dir), ['decision-tree', 'boost']);
  });

  it('refuses a boosted model of another shape, or one metrics.json does not record, saying to rerun boost', async () => {
    const other = await mkdtemp(join(tmpdir(), 'predictor-boost-'));
    try {
      const path = modelFile(other, 'boost');
      await writeRecordedModel(other, 'boost', [...xgboostJsonPieces(randomBoostModel(1, { numClass: 3, numFeature: 784 }))].join(''));
      await assert.rejects(loadPredictor(other, 'boost'), {
        name: 'DataError',
        message: `${path} is a model of 3 classes over 784 features, not 10 over 784. Train it again with \`npm start -- --stage boost\`.`,
      });
      await writeFile(path, [...xgboostJsonPieces(randomBoostModel(2))].join(''));
      await assert.rejects(loadPredictor(other, 'boost'), {
        name: 'PipelineError',
        message: `${path} and ${join(other, 'metrics.json')} disagree: the model's sha256 is not the one recorded for "boost" (the boost stage was interrupted between writing them). Run \`npm start -- --stage boost\` again.`,
      });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('loads a network saved in Layers format, scales pixels to [0, 1] and leaks no tensors', async () => {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [28, 28] }), tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: 'glorotUniform' })],
    });
    await saveLayersModel(model, join(dir, 'models', 'mlp'));
    const predictor = await loadPredictor(dir, 'mlp', 'cpu');
    const pixels = Uint8Array.from({ length: 3 * PIXELS_PER_IMAGE }, (_, i) => (i * 31) % 256);
    const expected = tf.tidy(() => (model.predict(tf.tensor(Array.from(pixels, (v) => v / 255), [3, 28, 28])) as tf.Tensor).dataSync());
    const before = tf.memory().numTensors;
    const probs = await predictor.predictBatch(pixels, 3);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(probs.length, 30);
    probs.forEach((p, i) => assert.ok(Math.abs(p - expected[i]!) < 1e-5));
    await predictor.dispose();
    model.dispose();
  });

  it('runs batches in worker threads with the same results, two at a time', async () => {
    const pooled = await loadPooledPredictor(dir, 'mlp', { workers: 2, backend: 'cpu' });
    const local = await loadPredictor(dir, 'mlp', 'cpu');
    const pixels = Uint8Array.from({ length: 8 * PIXELS_PER_IMAGE }, (_, i) => (i * 17) % 256);
    assert.equal(pooled.concurrency, 2);
    const [a, b] = await Promise.all([pooled.predictBatch(pixels.slice(0, 4 * PIXELS_PER_IMAGE), 4), pooled.predictBatch(pixels.slice(4 * PIXELS_PER_IMAGE), 4)]);
    const expected = await local.predictBatch(pixels, 8);
    [...a!, ...b!].forEach((p, i) => assert.ok(Math.abs(p - expected[i]!) < 1e-6));
    await pooled.dispose();
    await local.dispose();
  });

  it('reports a damaged model from a worker as a PipelineError with the loader\'s message', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'predictor-broken-'));
    try {
      await writeRecordedModel(broken, 'random-forest', '{"name": "RFClassifier", "baseModel": ');
      const pooled = await loadPooledPredictor(broken, 'random-forest', { workers: 1 });
      await assert.rejects(pooled.predictBatch(new Uint8Array(PIXELS_PER_IMAGE), 1), (err: Error) => {
        assert.ok(err instanceof PipelineError);
        assert.match(err.message, /^Cannot parse .*random-forest\.json \(.*\)\. Train it again with `npm start -- --stage trees`\.$/);
        return true;
      });
      await pooled.dispose();
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('refuses a tree model that is not the file metrics.json records, saying to rerun trees (issue 16)', async () => {
    const other = await mkdtemp(join(tmpdir(), 'predictor-sha-'));
    try {
      const path = modelFile(other, 'decision-tree');
      const metrics = join(other, 'metrics.json');
      const tree = new DecisionTreeClassifier({ maxDepth: 1 });
      const { rows, labels } = toyData(20, 4);
      tree.train(rows, labels);
      await writeRecordedModel(other, 'decision-tree', JSON.stringify(tree.toJSON()));
      await writeFile(path, JSON.stringify(tree.toJSON(), null, 1)); // the same tree, other bytes: another run's file
      await assert.rejects(loadPredictor(other, 'decision-tree'), {
        name: 'PipelineError',
        message: `${path} and ${metrics} disagree: the model's sha256 is not the one recorded for "decision-tree" (the trees stage was interrupted between writing them). Run \`npm start -- --stage trees\` again.`,
      });
      await mkdir(join(other, 'models'), { recursive: true });
      await writeFile(modelFile(other, 'random-forest'), '{}');
      await assert.rejects(loadPredictor(other, 'random-forest'), {
        name: 'PipelineError',
        message:
          `${modelFile(other, 'random-forest')} and ${metrics} disagree: no sha256 is recorded for "random-forest" ` +
          '(the trees stage was interrupted before recording it, or an older version trained it). Run `npm start -- --stage trees` again.',
      });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('fails before starting threads when the model is missing', async () => {
    await assert.rejects(loadPooledPredictor(dir, 'random-forest', { workers: 2 }), {
      message: `Model "random-forest" is not trained yet (no ${join(dir, 'models', 'random-forest.json')}). Run \`npm start -- --stage trees\` first.`,
    });
  });
});
