/**
 * The study's networks, one training step and one inference pass each on the wasm backend at
 * the study's layer shapes, take exactly the project's fast paths: a change that sends a study
 * shape down a stock (slow) path, or stops a kernel from running, fails here.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/tfjs/backend.js';
import { buildCnn } from '../../src/networks/cnn.js';
import { buildConvnet } from '../../src/networks/convnet.js';
import { inferenceForward } from '../../src/networks/evaluate.js';
import { FAST_KERNELS, registeredProjectKernels } from '../../src/tfjs/kernels/index.js';
import { clearTakenPaths, takenPaths } from '../../src/tfjs/kernels/kernelPaths.js';
import { buildMlp } from '../../src/networks/mlp.js';
import { computeGradients, dropoutLayerCount } from '../../src/networks/step.js';
import { tf } from '../../src/tfjs/tf.js';
import type { ImageBatch } from '../../src/dataset.js';

/** Enough rows for the FMA GEMM's blocks; the layer shapes are the study's at any batch size. */
const BATCH = 16;

function randomBatch(count: number): ImageBatch {
  const pixels = new Float32Array(count * 784).map((_, i) => ((i * 2654435761) % 256) / 255);
  return { pixels, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
}

function pathsOf(model: tf.LayersModel): Record<string, string[]> {
  clearTakenPaths();
  const batch = randomBatch(BATCH);
  const { grads } = computeGradients(model, batch, Array.from({ length: dropoutLayerCount(model) }, (_, i) => i + 1));
  tf.dispose(grads);
  const forward = inferenceForward(model);
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  tf.tidy(() => forward.run(tf.tensor(batch.pixels as Float32Array, [BATCH, ...inputShape])).dataSync());
  forward.dispose();
  return takenPaths();
}

/** The paths both networks take: Dense layers, ReLU, the loss's reductions, the bias gradients. */
const SHARED = {
  BatchMatMul: ['fma'],
  _FusedMatMul: ['fma'],
  'Relu gradient': ['FashionPipelineReluGrad'],
  // the bias gradients sum over the batch (leading axes); the loss's sum and mean run over the
  // class axis, where the stock kernel is the right one
  Sum: ['leading axes', 'stock, other axes'],
  Mean: ['stock, other axes'],
  Tile: ['leading axes'],
};

/** What one training step and one inference pass of the convnet take. */
const CONVNET_PATHS = {
  ...SHARED,
  'BatchNormalization layer, training': ['two-read statistics, closed-form gradient'],
  'Conv2D layer, training': ['fused convolution + bias + activation'],
  // the direct loop for the first convolution (1 -> 32 channels), Winograd for the 3x3 'same'
  // others, whose forward pass goes that way too (the first, from one channel, stays with XNNPACK)
  Conv2DBackpropFilter: ['direct 3x3', 'winograd'],
  Conv2DBackpropInput: ['winograd'],
  FusedConv2D: ['winograd', 'xnnpack'],
  FusedBatchNorm: ['simd affine'],
  MaxPoolGrad: ['simd 2x2'],
  // global average pooling's gradient spreads each image's dy over its pixels
  Tile: ['leading axes', 'middle axes'],
};

describe('fast kernels on the study shapes', () => {
  before(async () => {
    assert.equal(await initBackend('wasm'), 'wasm');
  });

  it('the MLP takes only fast paths', () => {
    const model = buildMlp({ seed: 87 });
    const paths = pathsOf(model);
    model.dispose();
    assert.deepEqual(paths, { ...SHARED, 'Dropout layer, training': ['one-pass seeded mask'] });
  });

  it('the CNN takes only fast paths', () => {
    const model = buildCnn({ seed: 87 });
    const paths = pathsOf(model);
    model.dispose();
    assert.deepEqual(paths, {
      ...SHARED,
      'BatchNormalization layer, training': ['two-read statistics, closed-form gradient'],
      'Conv2D layer, training': ['fused convolution + bias + activation'],
      // patches for the first convolution (1 -> 64 channels), per-tap products for the other three
      Conv2DBackpropFilter: ['patches', 'taps'],
      // the first convolution's input needs no gradient
      Conv2DBackpropInput: ['taps'],
      'Dropout layer, training': ['one-pass seeded mask'],
      // 2x2 convolutions: XNNPACK's is the fast forward pass
      FusedConv2D: ['xnnpack'],
      FusedBatchNorm: ['simd affine'],
      MaxPoolGrad: ['simd 2x2'],
    });
  });
});

describe('fast kernels on the convnet', () => {
  before(async () => {
    assert.equal(await initBackend('wasm'), 'wasm');
  });

  it('takes only fast paths, its 3x3 convolutions Winograd\'s', () => {
    const model = buildConvnet({ seed: 87 });
    const paths = pathsOf(model);
    model.dispose();
    assert.deepEqual(paths, CONVNET_PATHS);
  });
});

describe('registered project kernels', () => {
  it('lists every kernel and gradient the project registers on wasm', async () => {
    assert.equal(await initBackend('wasm'), 'wasm');
    const { kernels, gradients } = registeredProjectKernels();
    assert.deepEqual(kernels, ['Conv2DBackpropFilter', ...Object.keys(FAST_KERNELS)]);
    assert.deepEqual(gradients, ['Mean', 'FusedBatchNorm', 'Relu', 'Square', 'FusedConv2D']);
  });
});
