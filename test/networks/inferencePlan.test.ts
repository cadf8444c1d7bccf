import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tinyCnn, tinyMlp } from '../../fixtures/index.js';
import { compileInference } from '../../src/networks/inferencePlan.js';
import { tf } from '../../src/tfjs/tf.js';

/** Trained-looking BatchNorm statistics; `negative` makes one channel's scale negative. */
function randomizeBatchNorm(model: tf.LayersModel, negative: boolean): void {
  let seed = 1;
  model.layers.filter((l) => l.getClassName() === 'BatchNormalization').forEach((layer, i) => {
    const n = layer.getWeights()[0]!.shape[0]!;
    const g = tf.randomUniform([n], 0.5, 1.5, 'float32', seed++).arraySync() as number[];
    if (negative && i === 1) g[0] = -0.7;
    layer.setWeights([tf.tensor1d(g), tf.randomNormal([n], 0, 1, 'float32', seed++), tf.randomNormal([n], 0, 1, 'float32', seed++), tf.randomUniform([n], 0.1, 2, 'float32', seed++)]);
  });
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('compileInference', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const negative of [false, true]) {
    it(`matches predictOnBatch on the study's CNN shape (${negative ? 'one negative BatchNorm scale' : 'all scales positive'})`, () => {
      const model = tinyCnn();
      randomizeBatchNorm(model, negative);
      const x = tf.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 3);
      const plan = compileInference(model)!;
      const before = tf.memory().numTensors;
      const y = plan.run(x);
      assert.equal(tf.memory().numTensors, before + 1);
      const expected = model.predictOnBatch(x) as tf.Tensor;
      assert.ok(maxDiff(y, expected) < 1e-5);
      tf.dispose([x, y, expected]);
      plan.dispose();
      model.dispose();
    });
  }

  it("matches predictOnBatch on the study's MLP shape (dropout skipped, softmax last)", () => {
    const model = tinyMlp();
    const x = tf.randomUniform([4, 28, 28], 0, 1, 'float32', 5);
    const plan = compileInference(model)!;
    const y = plan.run(x);
    const expected = model.predictOnBatch(x) as tf.Tensor;
    assert.ok(maxDiff(y, expected) < 1e-6);
    tf.dispose([x, y, expected]);
    model.dispose();
  });

  it('gives no plan for a layer kind it does not handle', () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28] }), tf.layers.dense({ units: 10, activation: 'tanh' })] });
    assert.equal(compileInference(model), undefined);
    model.dispose();
  });
});
