import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { treesTrain300 } from '../../fixtures/index.js';
import { createRng } from '../../src/random.js';
import { toPixelMatrix, type PixelMatrix } from '../../src/learn/pixelMatrix.js';
import { fitTree, growTop, proxyBound, type TrainingSet } from '../../src/learn/fitTree.js';
import { graft } from '../../src/learn/graft.js';
import { packTree } from '../../src/learn/packTree.js';
import { LEAF, predictTree, type Tree } from '../../src/learn/tree.js';

/** A training set from row-major rows of uint8 features. */
function dataOf(rows: number[][], labels: number[], numClasses = 2): TrainingSet & { pixels: Uint8Array } {
  const width = rows[0]!.length;
  const pixels = Uint8Array.from(rows.flat());
  const x: PixelMatrix = toPixelMatrix(pixels, width, rows.map((_, i) => i));
  return { x, labels: Uint8Array.from(labels), numClasses, pixels };
}

const allRows = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Samples in the leaves of `tree` that are not open (placeholders for parts). */
function countLeafSamples(tree: Tree, open: number[]): number {
  let sum = 0;
  for (let node = 0; node < tree.feature.length; node++) if (tree.feature[node] === LEAF && !open.includes(node)) sum += tree.samples[node]!;
  return sum;
}

/** Every leaf's class counts, as arrays. */
function leaves(tree: Tree): number[][] {
  const out: number[][] = [];
  for (let node = 0; node < tree.feature.length; node++) {
    if (tree.feature[node] !== LEAF) continue;
    const row = tree.leafRow[node]!;
    out.push(Array.from(tree.leafCounts.subarray(row * tree.numClasses, (row + 1) * tree.numClasses)));
  }
  return out;
}


/**
 * The reference: the best weighted Gini decrease of any split `x[f] <= t` of `samples`, trying
 * every feature and every threshold by brute force (a full pass per threshold).
 */
function bruteForceBestGain(x: Uint8Array, width: number, labels: Uint8Array, weights: Uint16Array, samples: number[], numClasses: number): number {
  const sqOver = (counts: number[]) => {
    const w = counts.reduce((a, b) => a + b, 0);
    return counts.reduce((a, c) => a + c * c, 0) / w;
  };
  const total = new Array<number>(numClasses).fill(0);
  for (const s of samples) total[labels[s]!]! += weights[s]!;
  const weight = total.reduce((a, b) => a + b, 0);
  let best = -Infinity;
  for (let f = 0; f < width; f++) {
    for (const t of new Set(samples.map((s) => x[s * width + f]!))) {
      const left = new Array<number>(numClasses).fill(0);
      for (const s of samples) if (x[s * width + f]! <= t) left[labels[s]!]! += weights[s]!;
      const right = total.map((c, k) => c - left[k]!);
      if (left.every((c) => c === 0) || right.every((c) => c === 0)) continue;
      best = Math.max(best, (sqOver(left) + sqOver(right) - sqOver(total)) / weight);
    }
  }
  return best;
}

/**
 * 9,000 random samples of 6 features: big nodes read the feature-major copy, small ones the
 * gathered rows; few distinct values and weights 1..3 make ties and constant features common.
 */
function randomSet() {
  const rng = createRng(5);
  const n = 9000;
  const width = 6;
  const pixels = Uint8Array.from({ length: n * width }, (_, i) => (i % width === 5 ? 9 : rng.int(6) * 40 + rng.int(2)));
  const labels = Uint8Array.from({ length: n }, (_, s) => (pixels[s * width]! + pixels[s * width + 1]! > 200 ? 2 : rng.int(2)));
  const weights = Uint16Array.from({ length: n }, () => 1 + rng.int(3));
  return { pixels, width, labels, weights, n, data: { x: toPixelMatrix(pixels, width, allRows(n)), labels, numClasses: 3 } };
}

describe('fitTree', () => {
  it('grows a perfectly separable set into pure leaves that predict every training label', () => {
    // class = (x0 > 100) xor (x1 > 100): no single split separates it, two levels do
    const rows = [[10, 20, 7], [90, 50, 7], [150, 30, 7], [200, 80, 7], [30, 180, 7], [60, 250, 7], [120, 140, 7], [250, 200, 7]];
    const labels = rows.map(([a, b]) => Number(a! > 100 !== b! > 100));
    const data = dataOf(rows, labels);
    const tree = fitTree(data, allRows(8), undefined, { maxFeatures: 3, seed: 1 });
    for (const counts of leaves(tree)) assert.equal(counts.filter((c) => c > 0).length, 1, `impure leaf ${counts}`);
    assert.deepEqual(Array.from(predictTree(tree, data.pixels, 3, 8)), labels);
    assert.ok(!tree.feature.includes(2), 'the constant feature 2 is never split on');
  });

  it('finds the known best split at the midpoint of the two values around it', () => {
    // feature 1 separates the classes between 100 and 151; feature 0 is noise
    const rows = [[5, 20], [200, 40], [90, 100], [10, 151], [180, 170], [60, 255]];
    const labels = [0, 0, 0, 1, 1, 1];
    const tree = fitTree(dataOf(rows, labels), allRows(6), undefined, { maxFeatures: 2, seed: 3 });
    assert.equal(tree.feature.length, 3, 'one split, two leaves');
    assert.equal(tree.feature[0], 1);
    assert.equal(tree.threshold[0], 125, 'floor((100 + 151) / 2): x <= 125 goes left');
    assert.equal(tree.gain[0], 0.5, 'Gini 0.5 at the root, 0 in both pure children');
    assert.deepEqual(leaves(tree), [[3, 0], [0, 3]]);
    assert.deepEqual(Array.from(tree.samples), [6, 3, 3]);
  });

  it('splits every node with the best Gini decrease a brute-force search finds, on data big enough for every layout', () => {
    const { pixels, width, labels, weights, n, data } = randomSet();
    const tree = fitTree(data, allRows(n), weights, { maxFeatures: width, seed: 2 });
    const visit = (node: number, samples: number[]): void => {
      const f = tree.feature[node]!;
      if (f === LEAF) {
        // a leaf is pure or no split separates it
        if (new Set(samples.map((s) => labels[s])).size > 1) assert.equal(bruteForceBestGain(pixels, width, labels, weights, samples, 3), -Infinity);
        return;
      }
      const expected = bruteForceBestGain(pixels, width, labels, weights, samples, 3);
      assert.ok(Math.abs(tree.gain[node]! - expected) <= 1e-6 * Math.max(1, expected), `node ${node} (${samples.length} samples): gain ${tree.gain[node]}, best ${expected}`);
      const t = tree.threshold[node]!;
      visit(tree.left[node]!, samples.filter((s) => pixels[s * width + f]! <= t));
      visit(tree.right[node]!, samples.filter((s) => pixels[s * width + f]! > t));
    };
    visit(0, allRows(n));
    assert.ok(tree.feature.length > 100, `a deep tree (${tree.feature.length} nodes)`);
  });

  it('grows the same tree in parts (growTop, a fit per part, graft) as in one fit', () => {
    const { width, weights, n, data } = randomSet();
    for (const maxFeatures of [width, 2]) {
      const options = { maxFeatures, seed: 9 };
      const whole = fitTree(data, allRows(n), weights, options);
      const top = growTop(data, allRows(n), weights, options, 4, 0);
      assert.ok(top.open.length >= 2, `the top leaves parts to fit (${top.open.length})`);
      assert.equal(top.roots.reduce((sum, r) => sum + r.samples.length, 0) + countLeafSamples(top.tree, top.open), n, 'every sample is in a part or a finished leaf');
      const parts = top.roots.map((root) => fitTree(data, root.samples, weights, options, root));
      assert.deepEqual(packTree(graft(top.tree, top.open, parts)), packTree(whole));
    }
  });

  it('grows the same tree from nested tops (a part grows its own top, then its parts)', () => {
    const { weights, n, data } = randomSet();
    const options = { maxFeatures: 2, seed: 5 };
    const whole = fitTree(data, allRows(n), weights, options);
    const top = growTop(data, allRows(n), weights, options, 2, 0);
    assert.equal(top.roots.length, 2);
    const parts = top.roots.map((root) => {
      const inner = growTop(data, root.samples, weights, options, 3, 0, root);
      assert.ok(inner.open.length >= 2, `the part's top leaves parts to fit (${inner.open.length})`);
      const leavesOfInner = inner.roots.map((r) => fitTree(data, r.samples, weights, options, r));
      return graft(inner.tree, inner.open, leavesOfInner);
    });
    assert.deepEqual(packTree(graft(top.tree, top.open, parts)), packTree(whole));
  });

  it('weighs samples by their weights (bootstrap counts)', () => {
    // the lone class-1 sample at 10 counts 5 times: the leaf holding it predicts class 1
    const rows = [[10], [10], [200]];
    const tree = fitTree(dataOf(rows, [0, 1, 1]), allRows(3), Uint16Array.from([1, 5, 1]), { maxFeatures: 1, seed: 1 });
    assert.deepEqual(leaves(tree), [[1, 5], [0, 1]]);
    assert.deepEqual(Array.from(predictTree(tree, Uint8Array.from([10, 200]), 1, 2)), [1, 1]);
  });

  it('counts constant features among the draws, as scikit-learn does, but always searches at least one non-constant', () => {
    // features 0 (separates the classes) and 1 (separates them less well), then 8 constant ones
    const rows = [[10, 10], [20, 200], [30, 20], [200, 30], [210, 220], [220, 230]].map((r) => [...r, 5, 5, 5, 5, 5, 5, 5, 5]);
    const labels = [0, 0, 0, 1, 1, 1];
    const rootFeature = (maxFeatures: number, seed: number) =>
      fitTree(dataOf(rows, labels), allRows(6), undefined, { maxFeatures, seed }).feature[0];
    const seeds = Array.from({ length: 40 }, (_, seed) => seed);
    // 2 draws: the second is often a constant, and then only one of features 0, 1 was searched
    const withTwo = new Set(seeds.map((seed) => rootFeature(2, seed)));
    assert.deepEqual([...withTwo].sort(), [0, 1]);
    // 1 draw: a constant drawn first does not end the search, so every root splits
    assert.ok(seeds.every((seed) => [0, 1].includes(rootFeature(1, seed)!)));
    // all 10 draws: both are searched and the better one always wins
    assert.ok(seeds.every((seed) => rootFeature(10, seed) === 0));
  });

  it('makes a leaf of samples that no feature separates, predicting the first most frequent class', () => {
    const tree = fitTree(dataOf([[4, 4], [4, 4], [4, 4]], [1, 0, 0]), allRows(3), undefined, { maxFeatures: 2, seed: 1 });
    assert.equal(tree.feature.length, 1);
    assert.deepEqual(leaves(tree), [[2, 1]]);
    assert.deepEqual(Array.from(predictTree(tree, Uint8Array.from([9, 9]), 2, 1)), [0]);
  });

  it('reproduces the same tree from the same seed, and draws other features from another seed', async () => {
    const set = await treesTrain300();
    const data = { x: toPixelMatrix(set.pixels, 784, allRows(300)), labels: set.labels, numClasses: 10 };
    const fit = (seed: number) => packTree(fitTree(data, allRows(300), undefined, { maxFeatures: 28, seed }));
    assert.deepEqual(fit(87), fit(87));
    assert.notDeepEqual(fit(87), fit(88));
  });

  it('fits only the given samples, in any order', async () => {
    const set = await treesTrain300();
    const data = { x: toPixelMatrix(set.pixels, 784, allRows(300)), labels: set.labels, numClasses: 10 };
    const some = allRows(300).filter((i) => i % 3 !== 0);
    const tree = fitTree(data, some, undefined, { maxFeatures: 784, seed: 1 });
    assert.equal(tree.samples[0], 200);
    assert.deepEqual(packTree(fitTree(data, [...some].reverse(), undefined, { maxFeatures: 784, seed: 1 })), packTree(tree));
  });

  it('names the bad value when the input is wrong', () => {
    const data = dataOf([[1], [2]], [0, 1]);
    assert.throws(() => fitTree(data, [0, 2], undefined, { maxFeatures: 1, seed: 1 }), {
      message: 'Expected sample indexes in 0..1 but received 2 at position 1.',
    });
    assert.throws(() => fitTree(data, [0, 1], undefined, { maxFeatures: 2, seed: 1 }), {
      message: 'Expected maxFeatures in 1..1 but received 2.',
    });
    assert.throws(() => fitTree({ ...data, labels: Uint8Array.from([0, 7]) }, [0, 1], undefined, { maxFeatures: 1, seed: 1 }), {
      message: 'Expected labels in 0..1 but sample 1 has label 7.',
    });
    assert.throws(() => fitTree(data, [], undefined, { maxFeatures: 1, seed: 1 }), {
      message: 'Expected at least one training sample but received none.',
    });
    // histogram counts are 16-bit
    assert.throws(() => fitTree(data, [0, 1], Uint16Array.from([40000, 30000]), { maxFeatures: 1, seed: 1 }), {
      message: 'Expected at most 65535 samples per tree (weights summed: a bootstrap draw counts once each) but received 70000: fit on fewer rows.',
    });
  });
});

describe('proxyBound', () => {
  /** The best proxy over every split of the weighted class counts `totals` (any left counts 0..total per class), by enumeration. */
  function bestOverAllSplits(totals: number[]): number {
    const W = totals.reduce((a, b) => a + b, 0);
    let best = -Infinity;
    const left = totals.map(() => 0);
    const visit = (k: number): void => {
      if (k === totals.length) {
        const wL = left.reduce((a, b) => a + b, 0);
        if (wL === 0 || wL === W) return;
        const sqL = left.reduce((a, c) => a + c * c, 0);
        const sqR = totals.reduce((a, t, i) => a + (t - left[i]!) ** 2, 0);
        best = Math.max(best, sqL / wL + sqR / (W - wL));
        return;
      }
      for (let c = 0; c <= totals[k]!; c++) {
        left[k] = c;
        visit(k + 1);
      }
    };
    visit(0);
    return best;
  }

  it('is the best proxy any split of the node can reach, for 2 to 5 classes, absent classes and weights included', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 40; trial++) {
      const totals = new Float64Array(10);
      const classes = 2 + (trial % 4);
      const picked = new Set<number>();
      while (picked.size < classes) picked.add(rng.int(10));
      for (const k of picked) totals[k] = 1 + rng.int(5);
      const totalWeight = totals.reduce((a, b) => a + b, 0);
      const bound = proxyBound(totals, classes, totalWeight);
      assert.ok(Math.abs(bound - bestOverAllSplits(Array.from(picked, (k) => totals[k]!))) < 1e-12, `totals ${totals.join(' ')}`);
    }
    // two classes: both children pure, each side scoring its own weight
    assert.equal(proxyBound(Float64Array.from([0, 3, 0, 4]), 2, 7), 7);
    // beyond 5 classes no bound is computed
    assert.equal(proxyBound(Float64Array.from([1, 1, 1, 1, 1, 1]), 6, 6), Infinity);
  });
});
