import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { canFuseBatchNormGrad } from '../../../src/tfjs/kernels/batchNormGradStats.js';
import { restoreStockKernels } from '../../../src/tfjs/kernels/index.js';
import { tf } from '../../../src/tfjs/tf.js';
import { randomInputs } from './compareWithCpu.js';

type Grads = (inputs: Record<string, tf.Tensor>) => tf.Tensor[];

/**
 * Gradients from tfjs-core's gradient functions on cpu versus the project's on wasm; returns
 * the worst relative difference over all outputs and the tensors left behind on wasm.
 */
async function compareGradients(shapes: Record<string, number[]>, grads: Grads) {
  const run = () => {
    const inputs = randomInputs(shapes);
    const out = grads(inputs);
    const values = out.map((t) => ({ shape: t.shape, values: t.dataSync().slice() }));
    tf.dispose([...out, ...Object.values(inputs)]);
    return values;
  };
  await initBackend('cpu');
  restoreStockKernels();
  const reference = run();
  await initBackend('wasm');
  const before = tf.memory().numTensors;
  const ours = run();
  const leaked = tf.memory().numTensors - before;
  let worst = 0;
  reference.forEach((ref, i) => {
    assert.deepEqual(ours[i]!.shape, ref.shape);
    const scale = Math.max(...ref.values.map(Math.abs)) || 1;
    ref.values.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - ours[i]!.values[j]!) / scale)));
  });
  return { worst, leaked };
}

/**
 * BatchNormalization as layers train it (moments of x, then batchNorm), on x of `shape` with
 * its channels last: gradients of sum(y * w) for x, gamma and beta, compared with tfjs-core's.
 */
function compareBatchNorm(shape: number[]) {
  const channels = [shape[shape.length - 1]!];
  return compareGradients({ x: shape, gamma: channels, beta: channels, w: shape }, ({ x, gamma, beta, w }) =>
    tf.grads((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm(x as tf.Tensor4D, mean, variance, beta, gamma, 1e-3), w!));
    })([x!, gamma!, beta!]));
}

describe('fast gradients', () => {
  // The loss weights each output by a random w: a per-channel constant would make the
  // x gradient exactly 0 and the comparison meaningless.
  it('BatchNormalization as layers train it (moments of x, then batchNorm) matches tfjs-core', async () => {
    const r = await compareBatchNorm([8, 7, 7, 16]);
    assert.ok(r.worst < 1e-4, `relative error ${r.worst}`);
    assert.equal(r.leaked, 0);
  });

  it('the CNN\'s BatchNormalization width (64 channels) takes the fused wasm kernel and matches tfjs-core', async () => {
    await initBackend('wasm');
    const probe = [tf.zeros([2, 28, 28, 64]), tf.zeros([64]), tf.ones([64])] as const;
    assert.equal(canFuseBatchNormGrad(...probe), true);
    tf.dispose([...probe]);
    const r = await compareBatchNorm([2, 14, 14, 64]);
    assert.ok(r.worst < 1e-4, `relative error ${r.worst}`);
    assert.equal(r.leaked, 0);
  });

  it('6 channels (not a multiple of 4) take tf ops and match tfjs-core', async () => {
    await initBackend('wasm');
    const probe = [tf.zeros([2, 3, 3, 6]), tf.zeros([6]), tf.ones([6])] as const;
    assert.equal(canFuseBatchNormGrad(...probe), false);
    tf.dispose([...probe]);
    const r = await compareBatchNorm([4, 5, 5, 6]);
    assert.ok(r.worst < 1e-4, `relative error ${r.worst}`);
    assert.equal(r.leaked, 0);
  });

  // (tfjs cannot record a batchNorm without a scale for gradients: its engine clones the
  // missing input, so every case has one.)
  it('batchNorm with independent mean and variance matches tfjs-core for every input', async () => {
    const shapes = { x: [4, 5, 5, 8], mean: [8], v: [8], offset: [8], scale: [8] };
    const r = await compareGradients(shapes, ({ x, mean, v, offset, scale }) =>
      tf.grads((x: tf.Tensor, mean: tf.Tensor, v: tf.Tensor, offset: tf.Tensor, scale: tf.Tensor) =>
        tf.sum(tf.square(tf.batchNorm(x as tf.Tensor4D, mean, tf.add(tf.abs(v), 0.5), offset, scale, 1e-3))),
      )([x!, mean!, v!, offset!, scale!]));
    assert.ok(r.worst < 1e-4, `relative error ${r.worst}`);
    assert.equal(r.leaked, 0);
  });

  for (const axis of [[0, 1, 2], [1], null]) {
    it(`mean over axes ${JSON.stringify(axis)} matches tfjs-core`, async () => {
      const r = await compareGradients({ x: [6, 5, 4, 3] }, ({ x }) =>
        tf.grads((x: tf.Tensor) => tf.sum(tf.square(tf.mean(x, axis ?? undefined))))([x!]));
      assert.ok(r.worst < 1e-5, `relative error ${r.worst}`);
      assert.equal(r.leaked, 0);
    });
  }

  // Sizes: the CNN's last block (4 x 3 x 3 x 128) and one with a tail of 3 elements (7 x 5 = 35).
  for (const shape of [[4, 3, 3, 128], [7, 5]]) {
    it(`relu and square gradients on [${shape}] take the fused wasm kernels and match tfjs-core`, async () => {
      await initBackend('wasm');
      const r = await compareGradients({ x: shape, w: shape }, ({ x, w }) => [
        ...tf.grads((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), w!)))([x!]),
        ...tf.grads((x: tf.Tensor) => tf.sum(tf.mul(tf.square(x), w!)))([x!]),
      ]);
      assert.equal(r.worst, 0);
      assert.equal(r.leaked, 0);
    });
  }

  it('relu and square gradients use the fused kernels on wasm (counted by the profiler)', async () => {
    await initBackend('wasm');
    const x = tf.randomUniform([2, 6, 6, 8], -1, 1);
    const profile = await tf.profile(() => tf.tidy(() => tf.grads((x: tf.Tensor) => tf.sum(tf.square(tf.relu(x))))([x])));
    const names = profile.kernels.map((k) => k.name);
    assert.ok(names.includes('FashionPipelineReluGrad') && names.includes('FashionPipelineSquareGrad'), names.join(' '));
    assert.ok(!names.includes('Step'), names.join(' '));
    x.dispose();
  });
});
