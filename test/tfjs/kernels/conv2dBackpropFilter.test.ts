import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { tf } from '../../../src/tfjs/tf.js';
import { assertMatchesCpu, compareWithCpu, randomInputs } from './compareWithCpu.js';
import { clearTakenPaths, takenPaths } from '../../../src/tfjs/kernels/kernelPaths.js';

// Batch 2: the cpu reference kernel needs ~10 s for one [8,14,14,64] case.
const BATCH = 2;
// The study's CNN: Conv2D k=2 'same', stride 1, after MaxPool 2 each time.
const CNN_CONVS = [
  { x: [BATCH, 28, 28, 1], filterShape: [2, 2, 1, 64] },
  { x: [BATCH, 14, 14, 64], filterShape: [2, 2, 64, 64] },
  { x: [BATCH, 7, 7, 64], filterShape: [2, 2, 64, 128] },
  { x: [BATCH, 3, 3, 128], filterShape: [2, 2, 128, 128] },
];

describe('Conv2DBackpropFilter on wasm', () => {
  for (const { x, filterShape } of CNN_CONVS) {
    it(`matches cpu for the CNN's conv on [${x}] -> ${filterShape[3]} filters, same padding, no leak`, async () => {
      const dy = [...x.slice(0, 3), filterShape[3]!];
      const r = await compareWithCpu('Conv2DBackpropFilter', { x, dy }, {
        strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape,
      });
      assertMatchesCpu(r, filterShape);
    });
  }

  // Wider convolutions padded below and right take one FMA product per tap (filterGradByTaps.ts)
  // over chunks of 512 pixels: 780 pixels make two, split inside an image row, and the taps'
  // masked rows fall on both sides of the split.
  it('matches cpu with the per-tap products over several chunks of pixels (2x2 filter, same padding)', async () => {
    const r = await compareWithCpu('Conv2DBackpropFilter', { x: [4, 15, 13, 8], dy: [4, 15, 13, 16] }, {
      strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [2, 2, 8, 16],
    });
    assertMatchesCpu(r, [2, 2, 8, 16], 1e-5);
  });

  // 3x3 'same' convolutions (padded 1 all round) that neither Winograd nor the direct loop take
  // (6 -> 10 channels: not whole vectors of 4): taps above and left of a pixel read rows before
  // it, so each tap's products run over the pixels whose row exists. (The convnet's take those
  // two: winogradConv.test.ts.)
  it('matches cpu with the per-tap products on [4,15,13,6] (3x3 filter, same padding)', async () => {
    clearTakenPaths();
    const r = await compareWithCpu('Conv2DBackpropFilter', { x: [4, 15, 13, 6], dy: [4, 15, 13, 10] }, {
      strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 6, 10],
    });
    assertMatchesCpu(r, [3, 3, 6, 10], 1e-5);
    assert.deepEqual(takenPaths().Conv2DBackpropFilter, ['taps']);
  });

  // Few input channels: 'same' padding 1 all round takes the direct loop (winogradConv.ts), other
  // paddings the patches path (filterGradByPatches.ts) and its padding handling.
  for (const [pad, path] of [['same', 'direct 3x3'], ['valid', 'patches']] as const) {
    it(`matches cpu with a 3x3 filter on 2 input channels, stride 1, ${pad} padding (${path} path)`, async () => {
      clearTakenPaths();
      const dy = pad === 'same' ? [2, 9, 8, 24] : [2, 7, 6, 24];
      const r = await compareWithCpu('Conv2DBackpropFilter', { x: [2, 9, 8, 2], dy }, {
        strides: 1, pad, dataFormat: 'NHWC', filterShape: [3, 3, 2, 24],
      });
      assertMatchesCpu(r, [3, 3, 2, 24]);
      assert.deepEqual(takenPaths().Conv2DBackpropFilter, [path]);
    });
  }

  // The CNN's second conv at batch 100: dy is 50 KB per image, so 5 chunks of 20 images. The
  // cpu reference is too slow at that size; sub-batches of 25 (one call each: 2 chunks would
  // be too few to cut) are not.
  it('cuts a large batch into chunks and adds their gradients (= the sum over sub-batches)', async () => {
    await initBackend('wasm');
    const { x, dy } = randomInputs({ x: [100, 14, 14, 64], dy: [100, 14, 14, 64] });
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [2, 2, 64, 64] } as unknown as tf.NamedAttrMap;
    const grad = (xs: tf.Tensor, dys: tf.Tensor) => tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy: dys }, attrs) as tf.Tensor;
    const before = tf.memory().numTensors;
    const whole = grad(x!, dy!);
    const parts = tf.tidy(() => tf.addN([0, 25, 50, 75].map((i) => grad(tf.slice(x!, i, 25), tf.slice(dy!, i, 25)))));
    const [a, b] = [whole.dataSync() as Float32Array, parts.dataSync() as Float32Array];
    const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0) / scale;
    assert.ok(worst < 1e-5, `relative difference ${worst}`);
    tf.dispose([whole, parts]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x!, dy!]);
  });

  it('matches cpu with stride 2 and valid padding that leaves the last row and column unread', async () => {
    // 7x7 input, 2x2 filter, stride 2: outputs 3x3 read rows 0..5 only.
    const r = await compareWithCpu('Conv2DBackpropFilter', { x: [2, 7, 7, 3], dy: [2, 3, 3, 5] }, {
      strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 3, 5],
    });
    assert.deepEqual(r.shape, [2, 2, 3, 5]);
    assert.ok(r.relativeError < 1e-4, `relative error ${r.relativeError}`);
    assert.equal(r.leakedBuffers, 0);
  });

  it('matches cpu with a 3x3 filter, stride 2 and same padding', async () => {
    const r = await compareWithCpu('Conv2DBackpropFilter', { x: [2, 9, 8, 4], dy: [2, 5, 4, 6] }, {
      strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 6],
    });
    assert.deepEqual(r.shape, [3, 3, 4, 6]);
    assert.ok(r.relativeError < 1e-4, `relative error ${r.relativeError}`);
  });
});
