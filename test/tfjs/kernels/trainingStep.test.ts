import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { restoreStockKernels } from '../../../src/tfjs/kernels/index.js';
import { tf } from '../../../src/tfjs/tf.js';
import { randomInputs } from './compareWithCpu.js';

/** Two of the study's CNN blocks (no Dropout, so both runs see the same graph) and a dense head. */
function buildSmallCnn(): tf.Sequential {
  const model = tf.sequential();
  for (const [i, filters] of [8, 16].entries()) {
    model.add(tf.layers.conv2d({
      ...(i === 0 ? { inputShape: [28, 28, 1] } : {}),
      filters, kernelSize: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: i }),
    }));
    model.add(tf.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }));
  return model;
}

/** Loss gradient of every trainable weight for one training-mode batch. */
function gradients(model: tf.Sequential, xs: tf.Tensor, ys: tf.Tensor): Map<string, Float32Array> {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const probs = model.apply(xs, { training: true }) as tf.Tensor;
    return tf.mean(tf.metrics.categoricalCrossentropy(ys, probs)) as tf.Scalar;
  }, variables);
  const out = new Map(Object.entries(grads).map(([name, g]) => [name, g.dataSync() as Float32Array]));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

// The reference is the cpu backend with tfjs-core's gradients, not stock wasm: stock wasm
// MaxPoolGrad gives a tied window's gradient to its last maximum, or loses it when the
// window is all zeros, where cpu (and TensorFlow) give it to the first.
describe('a CNN training step on wasm', () => {
  it('gives the same gradients with the project\'s kernels as cpu, without leaking', async () => {
    await initBackend('wasm');
    const model = buildSmallCnn();
    const { x } = randomInputs({ x: [4, 28, 28, 1] });
    const xs = tf.tidy(() => tf.abs(x!));
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
    await initBackend('cpu');
    restoreStockKernels();
    const reference = gradients(model, xs, ys);
    await initBackend('wasm');
    const before = tf.memory();
    const fast = gradients(model, xs, ys);
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numDataBuffers, before.numDataBuffers);
    assert.equal(fast.size, model.trainableWeights.length);
    for (const [name, ref] of reference) {
      const ours = fast.get(name)!;
      const scale = Math.max(...ref.map(Math.abs)) || 1;
      const worst = Math.max(...ref.map((v, i) => Math.abs(v - ours[i]!) / scale));
      assert.ok(worst < 1e-3, `${name}: relative difference ${worst}`);
    }
    tf.dispose([x!, xs, ys]);
    model.dispose();
  });
});
