import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { networkImageSet60 } from '../../../fixtures/index.js';
import type { ImageSet } from '../../../src/io/pixelCache.js';
import { batchOfRows, holdOut, imageDataset } from '../../../src/stages/network/datasets.js';

let set: ImageSet;

describe('network datasets', () => {
  before(async () => {
    set = await networkImageSet60();
  });

  it('holds out the last 20% of the rows before any shuffle, as Keras validation_split', () => {
    const rows = Array.from({ length: 48_000 }, (_, i) => 47_999 - i);
    const { fit, holdout } = holdOut(rows);
    assert.equal(fit.length, 38_400);
    assert.equal(holdout.length, 9_600);
    assert.equal(holdout[0], rows[38_400]);
  });

  it('builds a batch of the given rows, scaled to [0, 1], with their labels', () => {
    const batch = batchOfRows(set, [2, 0]);
    assert.equal(batch.count, 2);
    assert.deepEqual(Array.from(batch.labels), [set.labels[2], set.labels[0]]);
    assert.equal(batch.pixels.length, 2 * 784);
    assert.equal(batch.pixels[784 + 300], Math.fround(set.pixels[300]! / 255));
  });

  it('calls the order function once per iteration, only when iterated', async () => {
    let calls = 0;
    const dataset = imageDataset(set, () => (calls++, [5, 6, 7, 8, 9]), 2);
    assert.equal(calls, 0);
    for (let epoch = 1; epoch <= 2; epoch++) {
      const batches = await (await dataset.iterator()).toArray();
      assert.deepEqual(batches.map((b) => Array.from(b.labels)), [[...set.labels.subarray(5, 7)], [...set.labels.subarray(7, 9)], [set.labels[9]]]);
      assert.equal(calls, epoch);
    }
  });
});
