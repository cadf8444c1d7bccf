import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../../src/models/tf.js';
import { compareWithCpu, randomInputs } from './compareWithCpu.js';

/**
 * Inputs as training produces them: x after a ReLU (so many windows are all 0, a tie the
 * first position must win), output = MaxPool(x) on the same backend, random dy.
 */
function poolInputs(xShape: number[], filterSize: [number, number], strides: [number, number], pad: 'valid' | 'same') {
  return () => {
    const { x } = randomInputs({ x: xShape });
    const input = tf.relu(x);
    const output = tf.maxPool(input as tf.Tensor4D, filterSize, strides, pad);
    const { dy } = randomInputs({ dy: output.shape }, 7);
    x.dispose();
    return { dy: dy!, input, output };
  };
}

// The study's CNN: MaxPool 2 after each block (odd sizes drop the last row and column).
const CNN_POOLS = [[8, 28, 28, 64], [8, 14, 14, 64], [8, 7, 7, 128], [8, 3, 3, 128]];

describe('MaxPoolGrad on wasm', () => {
  for (const xShape of CNN_POOLS) {
    it(`matches cpu for the CNN's 2x2 pool of [${xShape}], ties included, no leak`, async () => {
      const r = await compareWithCpu('MaxPoolGrad', poolInputs(xShape, [2, 2], [2, 2], 'valid'), {
        filterSize: [2, 2], strides: [2, 2], pad: 'valid',
      });
      assert.deepEqual(r.shape, xShape);
      assert.equal(r.relativeError, 0);
      assert.equal(r.leakedTensors, 0);
      assert.equal(r.leakedBuffers, 0);
    });
  }

  it('matches cpu for overlapping 3x3 windows at stride 2 with same padding', async () => {
    const r = await compareWithCpu('MaxPoolGrad', poolInputs([2, 9, 8, 5], [3, 3], [2, 2], 'same'), {
      filterSize: [3, 3], strides: [2, 2], pad: 'same',
    });
    assert.deepEqual(r.shape, [2, 9, 8, 5]);
    assert.ok(r.relativeError < 1e-6, `relative error ${r.relativeError}`);
    assert.equal(r.leakedBuffers, 0);
  });
});
