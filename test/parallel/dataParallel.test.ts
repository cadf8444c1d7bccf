import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { networkImageSet60, tinyCnn } from '../../fixtures/index.js';
import type { ImageSet } from '../../src/io/pixelCache.js';
import { initBackend } from '../../src/tfjs/backend.js';
import { evaluateDataset } from '../../src/networks/evaluate.js';
import { buildMlp } from '../../src/networks/mlp.js';
import { createDataParallelRunner, type DataParallelRunner } from '../../src/parallel/dataParallelRunner.js';
import { shardSeeds, splitBatch } from '../../src/parallel/shards.js';
import { computeGradients, trainStep } from '../../src/networks/step.js';
import { tf } from '../../src/tfjs/tf.js';
import { trainModel, type TrainProgress } from '../../src/networks/train.js';
import type { ImageBatch } from '../../src/dataset.js';
import { createRng, shuffleInPlace } from '../../src/random.js';
import { ONE_CYCLE_DEFAULTS, oneCycleLearningRate, type StepSettings } from '../../src/networks/schedule.js';
import { batchOfRows, holdOut, imageDataset } from '../../src/stages/network/datasets.js';

const SEED = 3;
const BATCH = 10;
let set: ImageSet;
const { fit, holdout } = holdOut(Array.from({ length: 50 }, (_, i) => i));

/** Flatten -> Dense 16 relu -> Dense 10 softmax: the MLP's layers without Dropout, so shards draw no masks. */
const noDropoutMlp = () => buildMlp({ seed: SEED, hiddenUnits: [], bottleneckUnits: 16 });

type RunnerFor = (model: tf.LayersModel, optimizer: tf.Optimizer) => DataParallelRunner;
interface Segment {
  /** train up to this epoch */
  epochs: number;
  /** undefined: in-process */
  runner?: RunnerFor;
}

/**
 * Trains a fresh model on 40 real images (batches of 10, 10 held out) in segments, each
 * continuing from the last as --resume does, but in memory; returns history and weights.
 */
async function train(build: () => tf.LayersModel, segments: Segment[], stepSettings?: (step: number) => StepSettings) {
  const model = build();
  const optimizer = tf.train.adam();
  let progress: TrainProgress | undefined;
  const tensorsAfterEpoch: number[] = [];
  for (const segment of segments) {
    const rng = createRng(SEED, progress?.rngState);
    const runner = segment.runner?.(model, optimizer);
    try {
      const result = await trainModel({
        model,
        optimizer,
        train: imageDataset(set, () => shuffleInPlace([...fit], rng), BATCH),
        trainBatches: fit.length / BATCH,
        valid: imageDataset(set, () => holdout, BATCH),
        rng,
        epochs: segment.epochs,
        patience: 100,
        resume: progress,
        runner,
        stepSettings,
        onEpochEnd: async () => {
          tensorsAfterEpoch.push(tf.memory().numTensors);
        },
      });
      progress = result.progress;
    } finally {
      await runner?.close();
    }
  }
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  const { seconds: _, ...history } = progress!.history;
  model.dispose();
  optimizer.dispose();
  return { history, weights, tensorsAfterEpoch };
}

const dataParallel =
  (workers: number): RunnerFor =>
  (model, optimizer) =>
    createDataParallelRunner({ model, optimizer, workers });

function assertClose(actual: number[], expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tolerance, `${what}[${i}]: ${v}, expected ${expected[i]} (within ${tolerance})`));
}

function assertSameTraining(a: Awaited<ReturnType<typeof train>>, b: Awaited<ReturnType<typeof train>>, tolerance: number): void {
  for (const key of ['loss', 'val_loss'] as const) assertClose(a.history[key], b.history[key], tolerance, key);
  for (const key of ['epoch', 'accuracy', 'val_accuracy'] as const) assert.deepEqual(a.history[key], b.history[key], key);
  a.weights.forEach((w, i) => assertClose(w, b.weights[i]!, tolerance, `weight ${i}`));
}

describe('data-parallel training', () => {
  before(async () => {
    await initBackend('wasm');
    set = await networkImageSet60();
  });

  it('trains with a one-cycle rate, AdamW weight decay and label smoothing on 2 wasm workers as on one backend', async () => {
    const settings = (step: number): StepSettings => ({
      learningRate: oneCycleLearningRate(step, { ...ONE_CYCLE_DEFAULTS, peak: 0.01, totalSteps: 16 }),
      weightDecay: 0.05,
      labelSmoothing: 0.1,
    });
    const single = await train(noDropoutMlp, [{ epochs: 4 }], settings);
    const parallel = await train(noDropoutMlp, [{ epochs: 2, runner: dataParallel(2) }, { epochs: 4, runner: dataParallel(2) }], settings);
    const plain = await train(noDropoutMlp, [{ epochs: 4 }]);
    assert.ok(single.history.loss[3]! < single.history.loss[0]! - 0.3, `the loss falls: ${single.history.loss.join(', ')}`);
    assert.ok(Math.abs(single.weights[0]![0]! - plain.weights[0]![0]!) > 1e-4, 'the settings changed the training');
    assertSameTraining(parallel, single, 1e-5);
  });

  it('trains a network without dropout on 2 wasm workers to the same loss curve and weights as one backend', async () => {
    const single = await train(noDropoutMlp, [{ epochs: 4 }]);
    const parallel = await train(noDropoutMlp, [{ epochs: 4, runner: dataParallel(2) }]);
    assert.ok(single.history.loss[3]! < single.history.loss[0]! - 0.3, `the loss falls: ${single.history.loss.join(', ')}`);
    assertSameTraining(parallel, single, 1e-5);
  });

  it('hands its state to the model and optimizer each epoch: runs can switch runner between epochs', async () => {
    const single = await train(noDropoutMlp, [{ epochs: 4 }]);
    const mixed = await train(noDropoutMlp, [{ epochs: 1 }, { epochs: 3, runner: dataParallel(2) }, { epochs: 4 }]);
    assertSameTraining(mixed, single, 1e-5);
  });

  it('with one worker is the in-process training, dropout and BatchNorm included', async () => {
    const single = await train(() => tinyCnn(SEED), [{ epochs: 2 }]);
    const pooled = await train(() => tinyCnn(SEED), [{ epochs: 2, runner: dataParallel(1) }]);
    assertSameTraining(pooled, single, 1e-5);
  });

  it('keeps the number of tensors constant from one epoch to the next', async () => {
    const run = await train(() => tinyCnn(SEED), [{ epochs: 3, runner: dataParallel(2) }]);
    assert.equal(new Set(run.tensorsAfterEpoch).size, 1, `tensors after each epoch: ${run.tensorsAfterEpoch.join(', ')}`);
  });

  it('refuses an optimizer whose moments belong to another model', async () => {
    const other = noDropoutMlp();
    const optimizer = tf.train.adam();
    const batch = batchOfRows(set, [0, 1, 2, 3]);
    trainStep(other, optimizer, batch, []);
    other.dispose();
    const model = tinyCnn(SEED);
    const runner = createDataParallelRunner({ model, optimizer, workers: 2 });
    try {
      await assert.rejects(runner.step(batch, [1, 2, 3, 4, 5]), {
        message:
          "The optimizer's moments (784x16,16,16x10,10,784x16,16,16x10,10) do not match the model's trainable weights " +
          '(2x2x1x2,2,2,2,2x2x2x2,2,2,2,2x2x2x2,2,2,2,2x2x2x2,2,2,2,2x8,8,8x10,10). Delete the training state and start again without --resume.',
      });
    } finally {
      await runner.close();
      model.dispose();
      optimizer.dispose();
    }
  });

  it('evaluates another model of the same architecture on its threads, then trains on from its own state', async () => {
    const batches = [batchOfRows(set, fit.slice(0, BATCH)), batchOfRows(set, fit.slice(BATCH, 2 * BATCH))];
    const valid = imageDataset(set, () => holdout, BATCH);
    const reference = noDropoutMlp();
    const referenceAdam = tf.train.adam();
    for (const batch of batches) trainStep(reference, referenceAdam, batch, []);
    const model = noDropoutMlp();
    const optimizer = tf.train.adam();
    const other = buildMlp({ seed: SEED + 1, hiddenUnits: [], bottleneckUnits: 16 });
    const cnn = tinyCnn(SEED);
    const runner = createDataParallelRunner({ model, optimizer, workers: 2 });
    try {
      await runner.step(batches[0]!, []);
      const own = await runner.evaluate(valid);
      const seen = await runner.evaluateModel(other, valid);
      const expected = await evaluateDataset(other, valid);
      assert.equal(seen.count, expected.count);
      assert.equal(seen.accuracy, expected.accuracy);
      assertClose([seen.loss], [expected.loss], 1e-6, 'loss of the other model');
      assert.notEqual(seen.loss, own.loss);
      const again = await runner.evaluate(valid);
      assertClose([again.loss, again.accuracy], [own.loss, own.accuracy], 1e-6, 'own evaluation after it');
      await runner.step(batches[1]!, []);
      await runner.sync();
      model.weights.forEach((w, i) => assertClose(Array.from(w.read().dataSync()), Array.from(reference.weights[i]!.read().dataSync()), 1e-5, `weight ${i}`));
      await assert.rejects(runner.evaluateModel(cnn, valid), {
        message:
          'Cannot evaluate a model with weights 2x2x1x2,2,2,2,2x2x2x2,2,2,2,2x2x2x2,2,2,2,2x2x2x2,2,2,2,2x8,8,8x10,10,2,2,2,2,2,2,2,2 ' +
          'on threads training weights 784x16,16,16x10,10: evaluate it with evaluateDataset instead.',
      });
    } finally {
      await runner.close();
      for (const done of [model, optimizer, other, cnn, reference, referenceAdam]) done.dispose();
    }
  });

  it("averages the shards' gradients and BatchNorm statistics by image count, with a mask seed per shard", async () => {
    const batch = batchOfRows(set, Array.from({ length: 11 }, (_, i) => i));
    const seeds = [11, 12, 13, 14, 15];
    const model = tinyCnn(SEED);
    const optimizer = tf.train.sgd(0.1);
    const runner = createDataParallelRunner({ model, optimizer, workers: 2 });
    await assert.rejects(runner.step(batch, seeds), {
      message: 'Data-parallel training supports the Adam optimizer only, not SGD. Train with --workers 1.',
    });
    await runner.close();

    // What each shard alone does to a replica in this thread: its loss and moving statistics.
    const shards = splitBatch(batch, 2);
    const alone = shards.map((shard, k) => {
      const replica = tinyCnn(SEED);
      const { grads, loss, correct } = computeGradients(replica, shard, shardSeeds(seeds, k));
      tf.dispose(grads);
      const stats = replica.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
      replica.dispose();
      return { loss, correct, stats, share: shard.count / batch.count };
    });
    const adam = tf.train.adam();
    const parallel = createDataParallelRunner({ model, optimizer: adam, workers: 2 });
    try {
      const figures = await parallel.step(batch, seeds);
      await parallel.sync();
      assert.equal(figures.count, 11);
      assert.equal(figures.correct, alone[0]!.correct + alone[1]!.correct);
      assertClose([figures.loss], [alone[0]!.loss * (6 / 11) + alone[1]!.loss * (5 / 11)], 1e-6, 'loss');
      model.nonTrainableWeights.forEach((w, i) => {
        const expected = alone[0]!.stats[i]!.map((v, j) => v * alone[0]!.share + alone[1]!.stats[i]![j]! * alone[1]!.share);
        assertClose(Array.from(w.read().dataSync()), expected, 1e-6, `moving statistic ${i}`);
      });
    } finally {
      await parallel.close();
      model.dispose();
      adam.dispose();
      optimizer.dispose();
    }
  });
});

describe('splitBatch and shardSeeds', () => {
  const batchOf = (count: number): ImageBatch => ({
    count,
    pixels: Float32Array.from({ length: count * 2 }, (_, i) => i),
    labels: Uint8Array.from({ length: count }, (_, i) => i),
  });

  it('splits a batch into consecutive shards of near-equal sizes that own their arrays', () => {
    const batch = batchOf(5);
    const shards = splitBatch(batch, 2);
    assert.deepEqual(shards.map((s) => s.count), [3, 2]);
    assert.deepEqual(Array.from(shards[1]!.pixels), [6, 7, 8, 9]);
    assert.deepEqual(Array.from(shards[1]!.labels), [3, 4]);
    assert.ok(shards.every((s) => s.pixels.byteLength === s.pixels.buffer.byteLength));
    assert.deepEqual(splitBatch(batchOf(500), 2).map((s) => s.count), [250, 250]);
  });

  it('makes no empty shard when the batch has fewer images than parts', () => {
    assert.deepEqual(splitBatch(batchOf(1), 2).map((s) => s.count), [1]);
  });

  it('keeps the step seeds for shard 0 and draws distinct ones for the others', () => {
    const seeds = [0, 2 ** 31 - 1, 12345];
    assert.deepEqual(shardSeeds(seeds, 0), seeds);
    const other = shardSeeds(seeds, 1);
    assert.ok(other.every((s, i) => s !== seeds[i] && Number.isInteger(s) && s >= 0 && s < 2 ** 31), other.join(','));
  });
});
