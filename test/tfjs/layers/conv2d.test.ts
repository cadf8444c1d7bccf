import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { conv2d } from '../../../src/tfjs/layers/conv2d.js';
import { registerFastKernels, restoreStockKernels } from '../../../src/tfjs/kernels/index.js';
import { tf } from '../../../src/tfjs/tf.js';

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];

/** Output and gradients (input, kernel, bias) of sum(conv(x) * w) in training, and the kernels run. */
function trainingPass(layer: tf.layers.Layer, shape: number[]) {
  const x = tf.randomNormal(shape, 0, 1, 'float32', 7);
  const outShape = layer.computeOutputShape(shape) as number[];
  const w = tf.randomNormal(outShape, 0, 1, 'float32', 8);
  layer.build(shape);
  const [kernel, bias] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const before = tf.memory().numTensors;
  const loss = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, w)) as tf.Scalar;
  const [dx] = tf.grads(loss)([x]);
  const { grads, value } = tf.variableGrads(() => loss(x), [kernel!, bias!]);
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  const out = {
    y: y.dataSync() as Float32Array,
    dx: dx!.dataSync() as Float32Array,
    dKernel: grads[kernel!.name]!.dataSync() as Float32Array,
    dBias: grads[bias!.name]!.dataSync() as Float32Array,
  };
  tf.dispose([y, dx!, value, ...Object.values(grads)]);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, w]);
  layer.weights.forEach((v) => v.dispose());
  return { ...out, leaked };
}

async function compareWithStock(args: Conv2DArgs, shape: number[]) {
  await initBackend('cpu');
  restoreStockKernels();
  const reference = trainingPass(tf.layers.conv2d(args), shape);
  await initBackend('wasm');
  registerFastKernels();
  const kernels: string[] = [];
  const profile = await tf.profile(() => {
    const ours = trainingPass(conv2d(args), shape);
    return tf.tensor(ours.y); // profile wants a tensor back; the values are read below
  });
  profile.result && (profile.result as tf.Tensor).dispose();
  profile.kernels.forEach((k) => kernels.push(k.name));
  const ours = trainingPass(conv2d(args), shape);
  let worst = 0;
  for (const key of ['y', 'dx', 'dKernel', 'dBias'] as const) {
    let scale = 0;
    let diff = 0;
    reference[key].forEach((v, i) => {
      scale = Math.max(scale, Math.abs(v));
      diff = Math.max(diff, Math.abs(v - ours[key][i]!));
    });
    worst = Math.max(worst, diff / (scale || 1));
  }
  return { worst, kernels, leaked: ours.leaked };
}

const SEED = { kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2 }) };

describe('Conv2D training pass (conv2d.ts)', () => {
  it('runs one FusedConv2D (bias and relu inside) and matches the stock layer on cpu: output and gradients', async () => {
    const r = await compareWithStock({ filters: 8, kernelSize: 2, padding: 'same', activation: 'relu', ...SEED }, [3, 7, 7, 4]);
    assert.ok(r.worst < 1e-4, `relative error ${r.worst}`);
    assert.ok(r.kernels.includes('FusedConv2D'));
    assert.ok(!r.kernels.includes('Relu') && !r.kernels.includes('Add'), r.kernels.join(' '));
    assert.equal(r.leaked, 0);
  });

  it('matches with a linear activation, valid padding and stride 2', async () => {
    const r = await compareWithStock({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', ...SEED }, [2, 9, 9, 3]);
    assert.ok(r.worst < 1e-4, `relative error ${r.worst}`);
    assert.ok(r.kernels.includes('FusedConv2D'));
  });

  it('is the stock pass for an activation the kernel does not fuse (tanh)', async () => {
    const r = await compareWithStock({ filters: 4, kernelSize: 2, activation: 'tanh', ...SEED }, [2, 5, 5, 2]);
    assert.ok(r.worst < 1e-4, `relative error ${r.worst}`);
    assert.ok(r.kernels.includes('Tanh')); // applied after the convolution, as tfjs-layers does
  });
});
