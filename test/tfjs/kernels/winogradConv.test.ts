/**
 * Winograd's F(4x4, 3x3) (winogradConv.ts) against the cpu backend's direct convolutions: the
 * forward pass (FusedConv2D, with its bias and relu), the input gradient and the filter gradient,
 * on the convnet's shapes, on sizes that end in part of a tile, and over several chunks of tiles;
 * and the direct filter gradient for inputs narrower than a vector. Each test also checks which
 * path ran.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { assertMatchesCpu, compareWithCpu } from './compareWithCpu.js';
import { clearTakenPaths, takenPaths } from '../../../src/tfjs/kernels/kernelPaths.js';

// The cpu reference is slow: batch 2 for the convnet's shapes.
const BATCH = 2;
/** The convnet's 3x3 convolutions after the first: [x], filter. */
const CONVNET_CONVS = [
  [[BATCH, 14, 14, 32], [3, 3, 32, 48]],
  [[BATCH, 7, 7, 48], [3, 3, 48, 80]],
  [[BATCH, 7, 7, 80], [3, 3, 80, 80]],
  [[BATCH, 3, 3, 80], [3, 3, 80, 160]],
] as const;
/**
 * Heights and widths that end in part of a 4x4 tile; a single pixel (one tile, padded to a block
 * of 4 in the forward pass); 30 tiles in two chunks, the second part empty; and 16 images of the
 * second convolution's shape: 256 tiles in many chunks, the filter gradient's last one shorter.
 */
const OTHER_SHAPES = [
  [[3, 5, 7, 8], [3, 3, 8, 8]],
  [[1, 1, 1, 8], [3, 3, 8, 16]],
  [[5, 5, 9, 8], [3, 3, 8, 8]],
  [[16, 14, 14, 32], [3, 3, 32, 48]],
] as const;

const SAME = { strides: 1, pad: 'same', dataFormat: 'NHWC' } as const;

describe('Winograd F(4x4, 3x3) on wasm', () => {
  beforeEach(() => clearTakenPaths());

  for (const [x, filter] of [...CONVNET_CONVS, ...OTHER_SHAPES]) {
    const y = [...x.slice(0, 3), filter[3]];
    it(`forward: matches cpu's convolution + bias + relu on [${x}] -> ${filter[3]} channels`, async () => {
      const r = await compareWithCpu('FusedConv2D', { x: [...x], filter: [...filter], bias: [filter[3]] }, { ...SAME, dilations: 1, activation: 'relu' });
      assertMatchesCpu(r, y, 1e-5);
      assert.deepEqual(takenPaths().FusedConv2D, ['winograd']);
    });

    it(`input gradient: matches cpu on [${x}] <- ${filter[3]} channels`, async () => {
      const r = await compareWithCpu('Conv2DBackpropInput', { dy: y, filter: [...filter] }, { ...SAME, inputShape: x });
      assertMatchesCpu(r, [...x], 1e-5);
      assert.deepEqual(takenPaths().Conv2DBackpropInput, ['winograd']);
    });

    it(`filter gradient: matches cpu on [${x}] -> ${filter[3]} channels`, async () => {
      const r = await compareWithCpu('Conv2DBackpropFilter', { x: [...x], dy: y }, { ...SAME, filterShape: filter });
      assertMatchesCpu(r, [...filter], 1e-5);
      assert.deepEqual(takenPaths().Conv2DBackpropFilter, ['winograd']);
    });
  }

  // Fewer input channels than a vector (the convnet's first convolution, from one): the filter
  // gradient's direct loop, also on sizes that are not whole tiles.
  for (const [x, filter] of [[[BATCH, 28, 28, 1], [3, 3, 1, 32]], [[3, 5, 7, 2], [3, 3, 2, 12]]] as const) {
    it(`filter gradient: the direct loop matches cpu on [${x}] -> ${filter[3]} channels`, async () => {
      const r = await compareWithCpu('Conv2DBackpropFilter', { x: [...x], dy: [...x.slice(0, 3), filter[3]] }, { ...SAME, filterShape: filter });
      assertMatchesCpu(r, [...filter], 1e-5);
      assert.deepEqual(takenPaths().Conv2DBackpropFilter, ['direct 3x3']);
    });
  }

  it('forward without bias or activation matches cpu', async () => {
    const r = await compareWithCpu('FusedConv2D', { x: [BATCH, 7, 7, 48], filter: [3, 3, 48, 80] }, { ...SAME, dilations: 1, activation: 'linear' });
    assertMatchesCpu(r, [BATCH, 7, 7, 80], 1e-5);
    assert.deepEqual(takenPaths().FusedConv2D, ['winograd']);
  });

  // XNNPACK keeps what Winograd does not take: one input channel (the convnet's first
  // convolution), 'valid' padding, a 2x2 filter (the study CNN's), channels not in whole vectors.
  for (const [x, filter, pad] of [
    [[BATCH, 28, 28, 1], [3, 3, 1, 32], 'same'],
    [[BATCH, 7, 7, 8], [3, 3, 8, 16], 'valid'],
    [[BATCH, 7, 7, 8], [2, 2, 8, 16], 'same'],
    [[BATCH, 7, 7, 8], [3, 3, 8, 12], 'same'],
  ] as const) {
    it(`forward: leaves [${x}] with a ${filter.slice(0, 2).join('x')} filter to ${filter[3]} channels, ${pad}, to XNNPACK`, async () => {
      const r = await compareWithCpu('FusedConv2D', { x: [...x], filter: [...filter], bias: [filter[3]] }, { ...SAME, pad, dilations: 1, activation: 'relu' });
      assert.ok(r.relativeError < 1e-5, `relative error ${r.relativeError}`);
      assert.deepEqual(takenPaths().FusedConv2D, ['xnnpack']);
    });
  }
});
