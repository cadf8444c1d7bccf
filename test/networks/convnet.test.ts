import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CONVNET_STAGES, buildConvnet, convnetMultiplyAdds } from '../../src/networks/convnet.js';
import { compileInference } from '../../src/networks/inferencePlan.js';
import { saveLayersModel } from '../../src/networks/layersFiles.js';
import { mirrorAveragedTrunk, withMirrorAverage } from '../../src/networks/mirrorAverage.js';
import { tf } from '../../src/tfjs/tf.js';

describe('convnet', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('has at most 300,000 parameters, 3x3 convolutions with BatchNorm, global average pooling and no dense head', () => {
    const model = buildConvnet({ seed: 87 });
    assert.ok(model.countParams() <= 300_000, `${model.countParams()} parameters`);
    const kinds = model.layers.map((l) => l.getClassName());
    assert.equal(kinds.filter((k) => k === 'Conv2D').length, CONVNET_STAGES.flat().length);
    assert.equal(kinds.filter((k) => k === 'BatchNormalization').length, CONVNET_STAGES.flat().length);
    assert.deepEqual(kinds.slice(-2), ['GlobalAveragePooling2D', 'Dense']);
    for (const l of model.layers.filter((x) => x.getClassName() === 'Conv2D')) assert.deepEqual((l.getConfig() as { kernelSize: number[] }).kernelSize, [3, 3]);
    assert.deepEqual(model.outputs[0]!.shape, [null, 10]);
    model.dispose();
  });

  it('counts multiply-adds per image layer by layer', () => {
    // [[4], [8]]: 28x28x9x1x4, then 14x14x9x4x8, then 8 x 10 in the dense layer
    assert.equal(convnetMultiplyAdds([[4], [8]]), 28 * 28 * 9 * 4 + 14 * 14 * 9 * 4 * 8 + 80);
    // the default: 28x28x9x1x32 + 14x14x9x32x48 + 7x7x9x48x80 + 7x7x9x80x80 + 3x3x9x80x160 + 160 x 10
    assert.equal(convnetMultiplyAdds(), 225_792 + 2_709_504 + 1_693_440 + 2_822_400 + 1_036_800 + 1_600);
  });

  for (const mirrored of [false, true]) {
    it(`saves a standard Layers model${mirrored ? ' (with test-time flips)' : ''}: stock tf.loadLayersModel gives the same predictions, as does the inference plan`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'convnet-'));
      try {
        const trunk = buildConvnet({ seed: 5, stages: [[4], [6, 6]] });
        // move BatchNorm off its initial statistics so that the test can see them
        for (const w of trunk.weights.filter((v) => v.name.includes('moving_'))) w.write(tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', 3));
        const model = mirrored ? withMirrorAverage(trunk) : trunk;
        const x = tf.randomUniform([6, 28, 28, 1], 0, 1, 'float32', 9);
        await saveLayersModel(model, join(dir, 'convnet'));
        const json = JSON.parse(await readFile(join(dir, 'convnet', 'model.json'), 'utf8')) as tf.io.ModelJSON;
        const weights = await readFile(join(dir, 'convnet', 'weights.bin'));
        const stock = await tf.loadLayersModel(tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0]!.weights,
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        }));
        const expected = (model.predict(x) as tf.Tensor).dataSync();
        const loaded = (stock.predict(x) as tf.Tensor).dataSync();
        // the fast path: a compiled plan, not predictOnBatch, for the model as loaded
        const plan = compileInference(stock);
        assert.ok(plan, 'no inference plan');
        const planned = plan.run(x).dataSync();
        expected.forEach((p, i) => {
          assert.ok(Math.abs(p - loaded[i]!) < 1e-6, `stock ${i}`);
          assert.ok(Math.abs(p - planned[i]!) < 1e-5, `plan ${i}`);
        });
        if (mirrored) {
          // what the model computes: the mean of the net's probabilities for x and for x mirrored left to right
          const views = tf.tidy(() => tf.div(tf.add(trunk.predict(x) as tf.Tensor, trunk.predict(tf.reverse(x, 2)) as tf.Tensor), 2).dataSync());
          const alone = (trunk.predict(x) as tf.Tensor).dataSync();
          expected.forEach((p, i) => assert.ok(Math.abs(p - views[i]!) < 1e-6, `mean of views ${i}`));
          const moved = Math.max(...expected.map((p, i) => Math.abs(p - alone[i]!)));
          assert.ok(moved > 1e-5, `the mirror changed nothing (${moved})`);
          assert.equal(mirrorAveragedTrunk(stock)?.name, trunk.name);
        }
        plan.dispose();
        model.dispose();
        if (mirrored) trunk.dispose();
        stock.dispose();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('recognizes a mirror-averaged model only when its mirror is the exact left-right flip', () => {
    const trunk = buildConvnet({ seed: 5, stages: [[4], [6]] });
    const model = withMirrorAverage(trunk);
    assert.equal(mirrorAveragedTrunk(model), trunk);
    assert.equal(mirrorAveragedTrunk(trunk), undefined);
    const mirror = model.getLayer('mirror');
    mirror.setWeights([tf.eye(28)]);
    assert.equal(mirrorAveragedTrunk(model), undefined);
    model.dispose();
    trunk.dispose();
  });
});
