import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { networkImageSet60, tinyCnn, tinyMlp } from '../../fixtures/index.js';
import { batchTensors, computeGradients, decayWeights, dropoutLayerCount, trainStep } from '../../src/networks/step.js';
import { tf } from '../../src/tfjs/tf.js';
import type { ImageBatch } from '../../src/dataset.js';
import { batchOfRows } from '../../src/stages/network/datasets.js';

let batch: ImageBatch;
const rows = Array.from({ length: 20 }, (_, i) => i);

/** The BatchNorm layers' moving means and variances, as plain numbers. */
const movingStats = (model: tf.LayersModel) => model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));

describe('training step', () => {
  before(async () => {
    await tf.setBackend('cpu');
    batch = batchOfRows(await networkImageSet60(), rows);
  });

  it('returns one gradient per trainable variable and the batch figures', () => {
    const model = tinyMlp();
    const { grads, loss, correct, count } = computeGradients(model, batch, [1]);
    assert.deepEqual(Object.keys(grads), model.trainableWeights.map((w) => (w.read() as tf.Variable).name));
    for (const w of model.trainableWeights) assert.deepEqual(grads[(w.read() as tf.Variable).name]!.shape, w.shape);
    assert.ok(loss > 1 && loss < 4, `loss of an untrained 10-class net near ln 10, got ${loss}`);
    assert.ok(correct >= 0 && correct <= 20);
    assert.equal(count, 20);
    tf.dispose(grads);
    model.dispose();
  });

  it('moves the BatchNorm moving mean and variance as fit does (momentum 0.99), not in inference', () => {
    const model = tinyCnn();
    const optimizer = tf.train.adam();
    const initial = movingStats(model);
    assert.deepEqual(initial[1], [1, 1]); // first BatchNorm's moving variance starts at ones
    tf.tidy(() => {
      model.predict(tf.zeros([2, 28, 28, 1]));
    });
    assert.deepEqual(movingStats(model), initial);
    trainStep(model, optimizer, batch, [1, 2, 3, 4, 5]);
    const after = movingStats(model);
    for (const [i, stats] of after.entries()) {
      for (const [j, v] of stats.entries()) {
        // one update moves each statistic 1% of the way to the batch's value (all small here)
        const moved = Math.abs(v - initial[i]![j]!);
        assert.ok(moved > 0 && moved < 0.02, `statistic ${i}[${j}] moved by ${moved}`);
      }
    }
    model.dispose();
    optimizer.dispose();
  });

  it('leaves no tensor behind once the optimizer has its moments', () => {
    const model = tinyCnn();
    const optimizer = tf.train.adam();
    trainStep(model, optimizer, batch, [1, 2, 3, 4, 5]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) trainStep(model, optimizer, batch, [i, 2, 3, 4, 5]);
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
    optimizer.dispose();
  });

  it('draws the same dropout masks from the same seeds, and clears the seeds afterwards', () => {
    const gradsFor = (seeds: number[]) => {
      const model = tinyMlp(5);
      const { grads } = computeGradients(model, batch, seeds);
      const values = Object.values(grads).map((g) => Array.from(g.dataSync()));
      tf.dispose(grads);
      const seedsLeft = model.layers.map((l) => (l.getConfig() as { seed?: number }).seed).filter((s) => s !== undefined);
      model.dispose();
      return { values, seedsLeft };
    };
    const a = gradsFor([11]);
    assert.deepEqual(gradsFor([11]).values, a.values);
    assert.notDeepEqual(gradsFor([12]).values, a.values);
    assert.deepEqual(a.seedsLeft, []);
  });

  it('counts one dropout seed per Dropout layer', () => {
    const model = tinyCnn();
    assert.equal(dropoutLayerCount(model), 5);
    model.dispose();
  });

  it('smooths the targets by label smoothing s: 1 - s + s/10 on the true class, s/10 elsewhere', () => {
    const model = tinyMlp();
    const { xs, ys } = batchTensors(model, batch, 0.1);
    const rows = ys.arraySync();
    rows.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - (k === batch.labels[i] ? 0.91 : 0.01)) < 1e-7)));
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it("decays every trainable weight by 1 - lr * decay (AdamW's decoupled decay) and leaves the statistics", () => {
    const model = tinyCnn();
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    decayWeights(model, 0.01, 0.5);
    const trainable = new Set(model.trainableWeights.map((w) => w.name));
    model.weights.forEach((w, i) => {
      const after = Array.from(w.read().dataSync());
      const factor = trainable.has(w.name) ? 0.995 : 1;
      after.forEach((v, j) => assert.ok(Math.abs(v - before[i]![j]! * factor) < 1e-6, `${w.name}[${j}]`));
    });
    model.dispose();
  });
});
