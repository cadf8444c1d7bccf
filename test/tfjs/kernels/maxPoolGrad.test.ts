import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { simdScatterRow } from '../../../src/tfjs/kernels/maxPoolGrad.js';
import type { WasmKernelArgs } from '../../../src/tfjs/kernels/stock.js';
import { tf } from '../../../src/tfjs/tf.js';
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

  it('takes the SIMD path on this Node (the CNN cases above test it), the JS loop for 3 channels', async () => {
    await initBackend('wasm');
    assert.equal(typeof simdScatterRow(tf.backend() as unknown as WasmKernelArgs['backend']), 'function');
    const r = await compareWithCpu('MaxPoolGrad', poolInputs([2, 6, 6, 3], [2, 2], [2, 2], 'valid'), {
      filterSize: [2, 2], strides: [2, 2], pad: 'valid',
    });
    assert.equal(r.relativeError, 0);
  });

  it('gives a window whose maximum is NaN 0, and an odd last row and column 0, as the JS loop does', async () => {
    await initBackend('wasm');
    // One image, 3x3 input, 4 channels, one 2x2 window; its channel-0 maximum is given as NaN.
    const x = tf.tensor4d(Array.from({ length: 36 }, (_, i) => i % 7), [1, 3, 3, 4]);
    const pooled = tf.maxPool(x, 2, 2, 'valid');
    const maxima = Array.from(pooled.dataSync());
    maxima[0] = NaN;
    const y = tf.tensor4d(maxima, [1, 1, 1, 4]);
    const dy = tf.onesLike(y);
    const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' }) as tf.Tensor;
    const values = Array.from(dx.dataSync());
    assert.equal(values.filter((_, i) => i % 4 === 0).reduce((a, b) => a + b, 0), 0);
    // Channels 1..3: exactly one 1, at the window's first maximum; row 2 and column 2 stay 0.
    const xs = Array.from(x.dataSync());
    for (let c = 1; c < 4; c++) {
      const ones = values.map((v, i) => (i % 4 === c && v === 1 ? Math.floor(i / 4) : -1)).filter((p) => p >= 0);
      const first = [0, 1, 3, 4].find((p) => xs[p * 4 + c] === maxima[c]);
      assert.deepEqual(ones, [first], `channel ${c}: ${values}`);
    }
    tf.dispose([x, pooled, y, dy, dx]);
  });
});
