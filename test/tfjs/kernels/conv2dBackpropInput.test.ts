import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertMatchesCpu, compareWithCpu } from './compareWithCpu.js';
import { clearTakenPaths, takenPaths } from '../../../src/tfjs/kernels/kernelPaths.js';

// The cpu reference is slow (a [2,14,14,64] case takes seconds): batch 2 keeps tests quick.
const BATCH = 2;
// The study's CNN: Conv2D k=2 'same', stride 1 (each block's input after MaxPool 2).
const CNN_CONVS = [
  { inputShape: [BATCH, 28, 28, 1], filter: [2, 2, 1, 64] },
  { inputShape: [BATCH, 14, 14, 64], filter: [2, 2, 64, 64] },
  { inputShape: [BATCH, 7, 7, 64], filter: [2, 2, 64, 128] },
  { inputShape: [BATCH, 3, 3, 128], filter: [2, 2, 128, 128] },
];

describe('Conv2DBackpropInput on wasm', () => {
  for (const { inputShape, filter } of CNN_CONVS) {
    it(`matches cpu for the CNN's conv on [${inputShape}] -> ${filter[3]} filters, same padding, no leak`, async () => {
      const dy = [...inputShape.slice(0, 3), filter[3]!];
      const r = await compareWithCpu('Conv2DBackpropInput', { dy, filter }, {
        strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape,
      });
      assertMatchesCpu(r, inputShape);
    });
  }

  // Padded below and right, 8+ input channels: FMA products per tap (inputGradByTaps.ts) over
  // chunks of 512 pixels, whole blocks of 4 rows in the GEMM and the rest added alongside.
  // 780 pixels: two chunks, split inside an image row; 3 pixels: fewer than a block.
  for (const [inputShape, dy] of [[[4, 15, 13, 8], [4, 15, 13, 16]], [[1, 1, 3, 8], [1, 1, 3, 16]]]) {
    it(`matches cpu with the per-tap products on [${inputShape}] (2x2 filter, same padding)`, async () => {
      const r = await compareWithCpu('Conv2DBackpropInput', { dy: dy!, filter: [2, 2, 8, 16] }, {
        strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape,
      });
      assertMatchesCpu(r, inputShape, 1e-5);
    });
  }

  // 3x3 'same' convolutions (padded 1 all round) whose dy Winograd does not take (6 channels, not
  // whole vectors of 4) take the per-tap products too: taps above and left of the pixel read rows
  // before it, the centre tap goes first and writes dx. (The convnet's go Winograd's way:
  // winogradConv.test.ts.)
  for (const inputShape of [[4, 15, 13, 8], [1, 1, 3, 8]]) {
    it(`matches cpu with the per-tap products on [${inputShape}] (3x3 filter, same padding)`, async () => {
      clearTakenPaths();
      const r = await compareWithCpu('Conv2DBackpropInput', { dy: [...inputShape.slice(0, 3), 6], filter: [3, 3, 8, 6] }, {
        strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape,
      });
      assertMatchesCpu(r, inputShape, 1e-5);
      assert.deepEqual(takenPaths().Conv2DBackpropInput, ['taps']);
    });
  }

  it('matches cpu with a 3x3 filter and valid padding', async () => {
    const r = await compareWithCpu('Conv2DBackpropInput', { dy: [2, 6, 5, 4], filter: [3, 3, 3, 4] }, {
      strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [2, 8, 7, 3],
    });
    assert.deepEqual(r.shape, [2, 8, 7, 3]);
    assert.ok(r.relativeError < 1e-4, `relative error ${r.relativeError}`);
  });

  it('keeps the stock kernel for stride 2 and still matches cpu', async () => {
    const r = await compareWithCpu('Conv2DBackpropInput', { dy: [2, 4, 4, 5], filter: [2, 2, 3, 5] }, {
      strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 7, 7, 3],
    });
    assert.deepEqual(r.shape, [2, 7, 7, 3]);
    assert.ok(r.relativeError < 1e-4, `relative error ${r.relativeError}`);
    assert.equal(r.leakedBuffers, 0);
  });
});
