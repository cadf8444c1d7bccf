import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBoostModel } from '../../fixtures/index.js';
import { totalGain } from '../../src/boost/importance.js';
import { isLeaf } from '../../src/boost/model.js';

describe('totalGain', () => {
  it("sums each split's loss change onto its feature, leaves ignored", () => {
    const model = randomBoostModel(3, { rounds: 4, numFeature: 20 });
    const expected = new Array<number>(20).fill(0);
    let splits = 0;
    for (const tree of model.trees) {
      for (let n = 0; n < tree.leftChildren.length; n++) {
        if (isLeaf(tree, n)) continue;
        expected[tree.splitIndices[n]!]! += tree.lossChanges[n]!;
        splits++;
      }
    }
    assert.ok(splits > 10);
    const gain = totalGain(model);
    assert.equal(gain.length, 20);
    gain.forEach((g, f) => assert.ok(Math.abs(g - expected[f]!) < 1e-9, `feature ${f}`));
  });
});
