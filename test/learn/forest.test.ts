import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { treesTest100, treesTrain300 } from '../../fixtures/index.js';
import { toPixelMatrix } from '../../src/learn/pixelMatrix.js';
import { bootstrap, fitForest, fitForestTree, predictForest, sqrtFeatures } from '../../src/learn/forest.js';
import { deriveSeed } from '../../src/random.js';
import { accuracy } from '../../src/learn/metrics.js';
import { packTree } from '../../src/learn/packTree.js';
import type { Tree } from '../../src/learn/tree.js';

const allRows = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A one-leaf tree whose leaf holds `counts` (a constant vote). */
const constantTree = (counts: number[]): Tree => ({
  numClasses: counts.length,
  feature: Int16Array.from([-1]),
  threshold: new Uint8Array(1),
  left: new Int32Array(1),
  right: new Int32Array(1),
  gain: new Float32Array(1),
  samples: Int32Array.from([counts.reduce((a, b) => a + b, 0)]),
  leafRow: Int32Array.from([0]),
  leafCounts: Float32Array.from(counts),
});

describe('forest', () => {
  it('takes sqrt(features) features per split, as max_features="sqrt"', () => {
    assert.equal(sqrtFeatures(784), 28);
    assert.equal(sqrtFeatures(2), 1);
  });

  it('draws a bootstrap of n with replacement: counts sum to n, samples are the distinct rows drawn', () => {
    const rows = [3, 5, 7, 9, 11, 13, 15, 17];
    const { samples, weights } = bootstrap(rows, 20, 42);
    assert.equal(weights.reduce((a, b) => a + b, 0), rows.length);
    assert.deepEqual(Array.from(samples), rows.filter((r) => weights[r]! > 0));
    assert.ok(samples.length < rows.length, 'some rows drawn twice, some not at all');
    assert.deepEqual(bootstrap(rows, 20, 42), { samples, weights });
  });

  it('derives distinct, reproducible seeds per tree', () => {
    const seeds = new Set(allRows(100).map((i) => deriveSeed(87, i)));
    assert.equal(seeds.size, 100);
    assert.equal(deriveSeed(87, 5), deriveSeed(87, 5));
  });

  it('fits each tree from (seed, index) alone, so trees can be fitted in any worker and order', async () => {
    const set = await treesTrain300();
    const data = { x: toPixelMatrix(set.pixels, 784, allRows(300)), labels: set.labels, numClasses: 10 };
    const options = { trees: 4, maxFeatures: 28, seed: 87 };
    const forest = fitForest(data, allRows(300), options);
    assert.deepEqual(packTree(fitForestTree(data, allRows(300), options, 2)), packTree(forest[2]!));
    assert.notDeepEqual(packTree(forest[0]!), packTree(forest[1]!));
  });

  it('beats a single tree on held-out images', async () => {
    const [train, test] = await Promise.all([treesTrain300(), treesTest100()]);
    const data = { x: toPixelMatrix(train.pixels, 784, allRows(300)), labels: train.labels, numClasses: 10 };
    const forest = fitForest(data, allRows(300), { trees: 30, maxFeatures: 28, seed: 87 });
    const one = accuracy(test.labels, predictForest(forest.slice(0, 1), test.pixels, 784, 100));
    const all = accuracy(test.labels, predictForest(forest, test.pixels, 784, 100));
    assert.ok(all > one + 0.05, `forest ${all} vs one tree ${one}`);
  });

  it('predicts the largest summed probability, and on a tie the class that reached it first', () => {
    const pixels = new Uint8Array(1);
    const votes = (counts: number[][]) => predictForest(counts.map(constantTree), pixels, 1, 1)[0];
    assert.equal(votes([[0, 1, 0], [0, 0, 1], [0, 0, 1]]), 2);
    assert.equal(votes([[0, 0, 1], [0, 1, 0]]), 2, 'tie: class 2 got its vote first');
    assert.equal(votes([[0, 1, 0], [0, 0, 1]]), 1, 'tie: class 1 got its vote first');
    assert.equal(votes([[3, 1, 0], [0, 2, 0], [0, 1, 0]]), 1, 'probabilities, not votes: 0.75 < 0.25 + 1 + 1');
  });
});
