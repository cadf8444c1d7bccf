import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { repeatedBlocks } from '../../../src/tfjs/kernels/tile.js';
import { tf } from '../../../src/tfjs/tf.js';
import { compareWithCpu } from './compareWithCpu.js';

// The BatchNormalization gradient's tile of 1/sqrt(variance) in the study's CNN, batch 8.
const BATCH_NORM_TILES = [
  { x: [1, 1, 1, 64], reps: [8, 28, 28, 1] },
  { x: [1, 1, 1, 64], reps: [8, 14, 14, 1] },
  { x: [1, 1, 1, 128], reps: [8, 7, 7, 1] },
  { x: [1, 1, 1, 128], reps: [8, 3, 3, 1] },
];

// Global average pooling's gradient in the convnet, batch 8: each image's [C] over its pixels.
const POOLING_TILES = [
  { x: [8, 1, 1, 64], reps: [1, 7, 7, 1] },
  { x: [3, 1, 1, 5], reps: [1, 2, 3, 1] },
];

describe('repeatedBlocks', () => {
  it('finds blocks repeated along consecutive axes of size 1, and none when the tiling interleaves', () => {
    assert.deepEqual(repeatedBlocks([1, 1, 1, 64], [8, 28, 28, 1]), { outer: 1, block: 64, times: 8 * 28 * 28 });
    assert.deepEqual(repeatedBlocks([1, 5], [3, 1]), { outer: 1, block: 5, times: 3 });
    assert.deepEqual(repeatedBlocks([8, 1, 1, 64], [1, 7, 7, 1]), { outer: 8, block: 64, times: 49 });
    assert.equal(repeatedBlocks([2, 5], [3, 1]), undefined);
    assert.equal(repeatedBlocks([1, 5], [3, 2]), undefined);
    assert.equal(repeatedBlocks([1, 2, 1], [3, 1, 3]), undefined);
    assert.equal(repeatedBlocks([4], [1]), undefined);
  });
});

describe('Tile on wasm', () => {
  for (const { x, reps } of [...BATCH_NORM_TILES, ...POOLING_TILES]) {
    it(`matches cpu tiling [${x}] by [${reps}], no leak`, async () => {
      const r = await compareWithCpu('Tile', { x }, { reps });
      assert.deepEqual(r.shape, x.map((s, i) => s * reps[i]!));
      assert.equal(r.relativeError, 0);
      assert.equal(r.leakedTensors, 0);
      assert.equal(r.leakedBuffers, 0);
    });
  }

  it('matches cpu for an interleaving tile (stock kernel)', async () => {
    const r = await compareWithCpu('Tile', { x: [2, 3, 4] }, { reps: [2, 1, 3] });
    assert.deepEqual(r.shape, [4, 3, 12]);
    assert.equal(r.relativeError, 0);
  });

  it('repeats int32 and bool tensors too, with an odd number of copies', async () => {
    await initBackend('wasm');
    const ints = tf.tile(tf.tensor2d([[1, -2]], [1, 2], 'int32'), [3, 1]);
    const bools = tf.tile(tf.tensor1d([true, false], 'bool').reshape([1, 2]), [5, 1]);
    assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 1, -2, 1, -2]);
    assert.deepEqual(Array.from(bools.dataSync()), [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    tf.dispose([ints, bools]);
  });
});
