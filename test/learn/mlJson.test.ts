import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import { treesTest100, treesTrain300, type TreesImageSet } from '../../fixtures/index.js';
import { toPixelMatrix } from '../../src/learn/pixelMatrix.js';
import { fitTree, type TrainingSet } from '../../src/learn/fitTree.js';
import { fitForest, predictForest } from '../../src/learn/forest.js';
import { toMlCartJson, toMlForestJson } from '../../src/learn/mlJson.js';
import { predictTree } from '../../src/learn/tree.js';

/** The little of mljs' classifiers these tests use (ml-cart ships no type declarations). */
interface MlClassifier {
  predict(rows: number[][]): number[];
}
interface MlLoader {
  load(model: unknown): MlClassifier;
}
const require = createRequire(import.meta.url);
const { DecisionTreeClassifier } = require('ml-cart') as { DecisionTreeClassifier: MlLoader };
const { RandomForestClassifier } = require('ml-random-forest') as { RandomForestClassifier: MlLoader };

const rowsOf = (set: TreesImageSet, scale = 1) =>
  Array.from({ length: set.count }, (_, r) => Array.from(set.pixels.subarray(r * 784, (r + 1) * 784), (v) => v / scale));

describe('mljs JSON models', () => {
  let train: TreesImageSet;
  let test: TreesImageSet;
  let data: TrainingSet;
  const all = Array.from({ length: 300 }, (_, i) => i);

  before(async () => {
    [train, test] = await Promise.all([treesTrain300(), treesTest100()]);
    data = { x: toPixelMatrix(train.pixels, 784, all), labels: train.labels, numClasses: 10 };
  });

  it('DecisionTreeClassifier.load() predicts exactly what our tree predicts, on 0..255 pixels', () => {
    const tree = fitTree(data, all, undefined, { maxFeatures: 784, seed: 87 });
    const loaded = DecisionTreeClassifier.load(JSON.parse(toMlCartJson(tree)));
    for (const set of [train, test]) {
      assert.deepEqual(loaded.predict(rowsOf(set)), Array.from(predictTree(tree, set.pixels, 784, set.count)));
    }
    assert.deepEqual(Array.from(predictTree(tree, train.pixels, 784, 300)), Array.from(train.labels), 'grown until pure');
  });

  it('RandomForestClassifier.load() predicts exactly what our forest predicts, ties included', () => {
    // 9 trees on 300 images: many rows split their votes evenly between two classes
    const forest = fitForest(data, all, { trees: 9, maxFeatures: 28, seed: 87 });
    const loaded = RandomForestClassifier.load(JSON.parse(toMlForestJson(forest, 784, 87)));
    for (const set of [train, test]) {
      assert.deepEqual(loaded.predict(rowsOf(set)), Array.from(predictForest(forest, set.pixels, 784, set.count)));
    }
  });

  it('sends a row left when x < threshold + 0.5: the same rule as ours on integers', () => {
    const tree = fitTree(data, all, undefined, { maxFeatures: 784, seed: 87 });
    const root = JSON.parse(toMlCartJson(tree)).root as { splitValue: number; splitColumn: number };
    assert.equal(root.splitColumn, tree.feature[0]);
    assert.equal(root.splitValue, tree.threshold[0]! + 0.5);
  });

  it('also predicts the same on features scaled to [0,1] once every splitValue is divided by 255', () => {
    const tree = fitTree(data, all, undefined, { maxFeatures: 784, seed: 87 });
    const scaled = JSON.parse(toMlCartJson(tree), (key, value: unknown) => (key === 'splitValue' ? (value as number) / 255 : value));
    assert.deepEqual(DecisionTreeClassifier.load(scaled).predict(rowsOf(test, 255)), Array.from(predictTree(tree, test.pixels, 784, 100)));
  });

  it('writes the documented fields of both formats', () => {
    const forest = fitForest(data, all, { trees: 2, maxFeatures: 28, seed: 87 });
    const json = JSON.parse(toMlForestJson(forest, 784, 87));
    assert.equal(json.name, 'RFClassifier');
    assert.equal(json.inputScale, 'raw pixel values 0..255 (784 features per image, row-major 28x28)');
    const { indexes, nEstimators, isClassifier, estimators } = json.baseModel;
    assert.equal(nEstimators, 2);
    assert.equal(isClassifier, true);
    assert.deepEqual(indexes[1], all.concat(Array.from({ length: 484 }, (_, i) => 300 + i)), 'every tree sees all 784 features');
    assert.equal(estimators[0].name, 'DTClassifier');
    assert.deepEqual(Object.keys(estimators[0].root), ['splitValue', 'splitColumn', 'gain', 'numberSamples', 'left', 'right']);
  });
});
