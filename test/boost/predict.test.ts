import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBoostModel } from '../../fixtures/index.js';
import { NO_NODE, ROOT_PARENT, type BoostModel, type BoostTree } from '../../src/boost/model.js';
import { flattenModel, integerThreshold, predictMargins, predictProbabilities, softmaxRows } from '../../src/boost/predict.js';

/** A tree from its nodes: [feature, condition, left, right] for a split, a number for a leaf value. */
function tree(nodes: ([number, number, number, number] | number)[]): BoostTree {
  const n = nodes.length;
  const t: BoostTree = {
    leftChildren: new Int32Array(n), rightChildren: new Int32Array(n), parents: new Int32Array(n).fill(ROOT_PARENT),
    splitIndices: new Int32Array(n), splitConditions: new Float32Array(n), defaultLeft: new Uint8Array(n),
    lossChanges: new Float32Array(n), sumHessian: new Float32Array(n), baseWeights: new Float32Array(n),
  };
  nodes.forEach((node, i) => {
    if (typeof node === 'number') {
      t.leftChildren[i] = t.rightChildren[i] = NO_NODE;
      t.splitConditions[i] = node;
    } else {
      [t.splitIndices[i], t.splitConditions[i], t.leftChildren[i], t.rightChildren[i]] = node;
      t.parents[node[2]] = t.parents[node[3]] = i;
    }
  });
  return t;
}

const model = (trees: BoostTree[], treeInfo: number[]): BoostModel => ({
  numClass: 2, numFeature: 3, baseScore: 0.5, trees, treeInfo: Int32Array.from(treeInfo), bestIteration: 0,
});

/** A plain walk of the model's own arrays: the reference the flat predictor must match. */
function referenceMargins(m: BoostModel, pixels: Uint8Array, count: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < count; r++) {
    const margins = new Array<number>(m.numClass).fill(m.baseScore);
    m.trees.forEach((t, i) => {
      let n = 0;
      while (t.leftChildren[n] !== NO_NODE) n = pixels[r * m.numFeature + t.splitIndices[n]!]! < t.splitConditions[n]! ? t.leftChildren[n]! : t.rightChildren[n]!;
      margins[m.treeInfo[i]!]! += t.splitConditions[n]!;
    });
    out.push(...margins);
  }
  return out;
}

describe('boost predictor (issue 17)', () => {
  it('sums the leaves of each class from the base score: a row goes left when pixel < condition', () => {
    const m = model([tree([[1, 10, 1, 2], 0.5, -0.25]), tree([0.125])], [0, 1]);
    const pixels = Uint8Array.from([0, 9, 0, 0, 10, 0]);
    assert.deepEqual(Array.from(predictMargins(flattenModel(m), pixels, 2)), [1, 0.625, 0.25, 0.625]);
  });

  it('takes a non-integer condition (XGBoost writes cut values like 9.5) as x < condition', () => {
    const m = model([tree([[0, 9.5, 1, 2], 1, 2])], [0]);
    assert.deepEqual(Array.from(predictMargins(flattenModel(m), Uint8Array.from([9, 0, 0, 10, 0, 0]), 2)), [1.5, 0.5, 2.5, 0.5]);
    assert.deepEqual([-3, 0, 0.5, 9.5, 10, 255.5, 300].map(integerThreshold), [0, 0, 1, 10, 10, 256, 256]);
  });

  it('matches a plain walk of the trees on random models and rows', () => {
    const m = randomBoostModel(7, { rounds: 4, maxLeaves: 31 });
    const pixels = Uint8Array.from({ length: 50 * 784 }, (_, i) => (i * 7919) % 256);
    const flat = Array.from(predictMargins(flattenModel(m), pixels, 50));
    const reference = referenceMargins(m, pixels, 50);
    flat.forEach((v, i) => assert.ok(Math.abs(v - reference[i]!) < 1e-12, `margin ${i}: ${v} vs ${reference[i]}`));
  });

  it('softmax rows sum to 1 and keep the order of the margins', () => {
    const p = softmaxRows(Float64Array.from([1000, 999, 0, 0, 0, 1]), 3);
    assert.ok(Math.abs(p[0]! + p[1]! + p[2]! - 1) < 1e-12);
    assert.ok(p[0]! > p[1]! && p[1]! > p[2]!);
    assert.deepEqual(Array.from(p.subarray(3)).map((v) => v.toFixed(6)), ['0.211942', '0.211942', '0.576117']);
  });

  it('flattens a chain tree 10,000 splits deep without overflowing the stack', () => {
    const depth = 10_000;
    // split nodes at even indexes, each with a leaf at its left (odd) and the next split at its right; the last node a leaf
    const chain = Array.from({ length: 2 * depth + 1 }, (_, i) => (i % 2 === 1 || i === 2 * depth ? 1 : ([0, 1, i + 1, i + 2] as [number, number, number, number])));
    const m = model([tree(chain)], [0]);
    assert.deepEqual(Array.from(predictProbabilities(flattenModel(m), Uint8Array.from([1, 0, 0]), 1)).map((v) => v.toFixed(6)), ['0.731059', '0.268941']);
  });

  it('refuses pixels shorter than the rows asked for', () => {
    const flat = flattenModel(model([tree([0.5])], [0]));
    assert.throws(() => predictMargins(flat, new Uint8Array(5), 2), { name: 'RangeError', message: 'predictMargins: 2 rows of 3 pixels need 6 bytes, got 5' });
  });
});
