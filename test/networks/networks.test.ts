import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildCnn } from '../../src/networks/cnn.js';
import { buildMlp } from '../../src/networks/mlp.js';
import { tf } from '../../src/tfjs/tf.js';

const count = (weights: tf.LayerVariable[]) => weights.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0);

describe("the study's networks", () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('MLP has 2,222,460 parameters, all trainable, and the study layer stack', () => {
    const model = buildMlp({ seed: 87 });
    assert.equal(model.countParams(), 2_222_460);
    assert.equal(count(model.trainableWeights), 2_222_460);
    const dense = model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => (l.getConfig() as { units: number }).units);
    assert.deepEqual(dense, [1000, 800, 500, 300, 200, 100, 50, 10]);
    assert.equal(model.layers.filter((l) => l.getClassName() === 'Dropout').length, 6);
    model.dispose();
  });

  it('CNN has 907,658 parameters of which 906,890 trainable; BatchNorm keeps Keras defaults', () => {
    const model = buildCnn({ seed: 87 });
    model.summary(undefined, undefined, () => undefined);
    assert.equal(model.countParams(), 907_658);
    assert.equal(count(model.trainableWeights), 906_890);
    assert.equal(count(model.nonTrainableWeights), 768);
    const bn = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.getConfig());
    assert.equal(bn.length, 4);
    for (const config of bn) {
      assert.equal(config.momentum, 0.99);
      assert.equal(config.epsilon, 1e-3);
    }
    assert.deepEqual(model.outputs[0]!.shape, [null, 10]);
    model.dispose();
  });

  it('the same seed gives the same initial weights, another seed other ones', () => {
    const a = buildMlp({ seed: 3, hiddenUnits: [8], bottleneckUnits: 4 });
    const b = buildMlp({ seed: 3, hiddenUnits: [8], bottleneckUnits: 4 });
    const c = buildMlp({ seed: 4, hiddenUnits: [8], bottleneckUnits: 4 });
    const first = (m: tf.LayersModel) => Array.from(m.getWeights()[0]!.dataSync());
    assert.deepEqual(first(a), first(b));
    assert.notDeepEqual(first(a), first(c));
    [a, b, c].forEach((m) => m.dispose());
  });
});
