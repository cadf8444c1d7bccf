import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { batchNormalization } from '../../../src/tfjs/layers/batchNormTraining.js';
import { canUseBatchNormTrainingKernels } from '../../../src/tfjs/kernels/batchNormTraining.js';
import { registerFastKernels, restoreStockKernels } from '../../../src/tfjs/kernels/index.js';
import { tf } from '../../../src/tfjs/tf.js';

interface Outcome {
  y: Float32Array;
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
  leaked: number;
}

/**
 * Two training steps of a BatchNormalization layer (the project's or tfjs-layers') on fixed
 * random x with a random gamma and beta: the output, the gradients of sum(y * w), and the moving
 * statistics after both steps.
 */
function trainTwice(layer: tf.layers.Layer, shape: number[]): Outcome {
  const c = shape.at(-1)!;
  const x = tf.tidy(() => tf.add(tf.mul(tf.randomUniform(shape, 0, 1, 'float32', 3), 3), 1)); // a mean far from 0
  const w = tf.randomNormal(shape, 0, 1, 'float32', 4);
  layer.build(shape);
  const [gamma, beta] = layer.trainableWeights;
  gamma!.write(tf.randomUniform([c], 0.5, 2, 'float32', 5));
  beta!.write(tf.randomUniform([c], -1, 1, 'float32', 6));
  const before = tf.memory().numTensors;
  const loss = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, w));
  const [dx] = tf.grads(loss)([x]);
  const { grads, value } = tf.variableGrads(() => loss(x) as tf.Scalar, [gamma!.read() as tf.Variable, beta!.read() as tf.Variable]);
  const y = tf.tidy(() => layer.apply(x, { training: false }) as tf.Tensor); // moving statistics now
  const yTraining = tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor);
  const outcome = {
    y: yTraining.dataSync() as Float32Array,
    dx: dx!.dataSync() as Float32Array,
    dGamma: grads[(gamma!.read() as tf.Variable).name]!.dataSync() as Float32Array,
    dBeta: grads[(beta!.read() as tf.Variable).name]!.dataSync() as Float32Array,
    movingMean: layer.getWeights()[2]!.dataSync() as Float32Array,
    movingVariance: layer.getWeights()[3]!.dataSync() as Float32Array,
  };
  tf.dispose([dx!, value, y, yTraining, ...Object.values(grads)]);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, w]);
  layer.weights.forEach((v) => v.dispose());
  return { ...outcome, leaked };
}

function worstRelativeError(ours: Float32Array, reference: Float32Array): number {
  let scale = 0;
  let worst = 0;
  reference.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    worst = Math.max(worst, Math.abs(v - ours[i]!));
  });
  return worst / (scale || 1);
}

const ARGS = { momentum: 0.9, epsilon: 1e-3 };

async function compareWithStock(shape: number[]) {
  await initBackend('cpu');
  restoreStockKernels();
  const reference = trainTwice(tf.layers.batchNormalization(ARGS), shape);
  await initBackend('wasm');
  registerFastKernels();
  const probe = tf.zeros(shape);
  const fast = canUseBatchNormTrainingKernels(probe);
  probe.dispose();
  return { fast, ours: trainTwice(batchNormalization(ARGS), shape), reference };
}

describe('BatchNormalization training pass (batchNormTraining.ts)', () => {
  // The study's first CNN block at batch 4, and a small activation.
  for (const shape of [[4, 28, 28, 64], [6, 5, 5, 8]]) {
    it(`takes the wasm kernels for [${shape}] and matches the stock layer on cpu: output, gradients, moving statistics`, async () => {
      const { fast, ours, reference } = await compareWithStock(shape);
      assert.equal(fast, true);
      for (const key of ['y', 'dx', 'dGamma', 'dBeta', 'movingMean', 'movingVariance'] as const) {
        const error = worstRelativeError(ours[key], reference[key]);
        assert.ok(error < 1e-4, `${key}: relative error ${error}`);
      }
      assert.equal(ours.leaked, reference.leaked);
    });
  }

  it('is the stock pass where the kernels cannot run (6 channels), with the same values', async () => {
    const { fast, ours, reference } = await compareWithStock([4, 5, 5, 6]);
    assert.equal(fast, false);
    for (const key of ['y', 'dx', 'dGamma', 'dBeta', 'movingMean', 'movingVariance'] as const) {
      assert.ok(worstRelativeError(ours[key], reference[key]) < 1e-5, key);
    }
  });

  it('is not taken on cpu, nor on wasm with the stock kernels restored', async () => {
    await initBackend('cpu');
    const x = tf.zeros([2, 3, 3, 8]);
    assert.equal(canUseBatchNormTrainingKernels(x), false);
    await initBackend('wasm');
    restoreStockKernels();
    assert.equal(canUseBatchNormTrainingKernels(x), false);
    registerFastKernels();
    assert.equal(canUseBatchNormTrainingKernels(x), true);
    x.dispose();
  });

  it('saves as a plain BatchNormalization layer, and deserializes to the fast class while the kernels are registered', async () => {
    await initBackend('wasm');
    registerFastKernels();
    const model = tf.sequential({ layers: [batchNormalization({ inputShape: [3, 3, 8], ...ARGS })] });
    const json = model.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } };
    assert.equal(json.config.layers[0]!.class_name, 'BatchNormalization');
    const copy = await tf.models.modelFromJSON({ modelTopology: json });
    assert.equal(copy.layers[0]!.constructor, model.layers[0]!.constructor);
    restoreStockKernels();
    const stock = await tf.models.modelFromJSON({ modelTopology: json });
    assert.equal(stock.layers[0]!.constructor, tf.layers.batchNormalization({}).constructor);
    registerFastKernels();
    [model, copy, stock].forEach((m) => m.dispose());
  });
});
