import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { networkImageSet60, tinyCnn } from '../../fixtures/index.js';
import type { ImageSet } from '../../src/io/pixelCache.js';
import { tf } from '../../src/tfjs/tf.js';
import { trainModel, type EpochEnd, type TrainResult } from '../../src/networks/train.js';
import { loadTrainState, saveTrainState } from '../../src/networks/trainState.js';
import { createRng, shuffleInPlace } from '../../src/random.js';
import { holdOut, imageDataset } from '../../src/stages/network/datasets.js';

const SEED = 7;
const BATCH = 10;
let set: ImageSet;
let dir: string;
const { fit, holdout } = holdOut(Array.from({ length: 50 }, (_, i) => i));

interface Run {
  result: TrainResult;
  ends: EpochEnd[];
  tensorsAfterEpoch: number[];
  weights: number[][];
}

/** Trains the tiny CNN (BatchNorm, Dropout) on 40 real images, as the stages do. */
async function train(opts: {
  epochs: number;
  patience?: number;
  statePath?: string;
  resume?: boolean;
  abortAt?: [number, number];
  abortByTimer?: boolean;
}): Promise<Run> {
  const model = tinyCnn(SEED);
  const optimizer = tf.train.adam();
  const resume = opts.resume ? await loadTrainState(opts.statePath!, model, optimizer) : undefined;
  const rng = createRng(SEED, resume?.rngState);
  const controller = new AbortController();
  let epochNow = 0;
  const ends: EpochEnd[] = [];
  const tensorsAfterEpoch: number[] = [];
  // A signal handler runs as a macrotask, like this timer.
  if (opts.abortByTimer) setTimeout(() => controller.abort(), 0);
  const result = await trainModel({
    model,
    optimizer,
    train: imageDataset(set, () => shuffleInPlace([...fit], rng), BATCH),
    trainBatches: fit.length / BATCH,
    valid: imageDataset(set, () => holdout, BATCH),
    rng,
    epochs: opts.epochs,
    patience: opts.patience ?? 10,
    signal: controller.signal,
    resume,
    onEpochStart: (epoch) => (epochNow = epoch),
    onBatchEnd: (b) => {
      if (opts.abortAt && epochNow === opts.abortAt[0] && b === opts.abortAt[1]) controller.abort();
    },
    onEpochEnd: async (end) => {
      ends.push(end);
      if (opts.statePath) await saveTrainState(opts.statePath, model, optimizer, end.progress);
      tensorsAfterEpoch.push(tf.memory().numTensors);
    },
  });
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  optimizer.dispose();
  return { result, ends, tensorsAfterEpoch, weights };
}

const figures = (r: Run) => {
  const { seconds: _, ...h } = r.result.progress.history;
  return h;
};

describe('trainModel', () => {
  before(async () => {
    await tf.setBackend('cpu');
    set = await networkImageSet60();
    dir = await mkdtemp(join(tmpdir(), 'train-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('resuming after 2 epochs gives the same 4-epoch history and weights as a straight run', async () => {
    const straight = await train({ epochs: 4 });
    const statePath = join(dir, 'state.bin');
    const firstHalf = await train({ epochs: 2, statePath });
    const resumed = await train({ epochs: 4, statePath, resume: true });
    assert.deepEqual(resumed.ends.map((e) => e.epoch), [3, 4]);
    assert.deepEqual(figures(resumed).epoch, [1, 2, 3, 4]);
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
      const a = figures(straight)[key];
      const b = figures(resumed)[key];
      assert.equal(b.length, 4);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-6, `${key}[${i}]: straight ${v}, resumed ${b[i]}`));
    }
    assert.deepEqual(figures(firstHalf).loss, figures(straight).loss.slice(0, 2));
    straight.weights.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - resumed.weights[i]![j]!) < 1e-6)));
  });

  it('keeps the number of tensors constant from one epoch to the next', async () => {
    const run = await train({ epochs: 3 });
    assert.equal(new Set(run.tensorsAfterEpoch).size, 1, `tensors after each epoch: ${run.tensorsAfterEpoch.join(', ')}`);
  });

  it('stops at a batch boundary when aborted, keeping only finished epochs', async () => {
    const run = await train({ epochs: 4, abortAt: [2, 2] });
    assert.equal(run.result.interrupted, true);
    assert.equal(run.result.progress.epochsDone, 1);
    assert.deepEqual(run.ends.map((e) => e.epoch), [1]);
  });

  it('notices an abort raised outside the training (Ctrl-C) before the epoch ends', async () => {
    const run = await train({ epochs: 4, abortByTimer: true });
    assert.equal(run.result.interrupted, true);
    assert.deepEqual(run.ends, []);
  });

  it('stops early after `patience` epochs without a better val_loss and reports the last epoch', async () => {
    const run = await train({ epochs: 30, patience: 1 });
    const { history, earlyStopping } = run.result.progress;
    const n = history.epoch.length;
    assert.equal(run.result.stoppedEarly, true);
    assert.ok(history.val_loss[n - 1]! >= Math.min(...history.val_loss.slice(0, n - 1)));
    assert.equal(earlyStopping.bestEpoch, history.val_loss.indexOf(Math.min(...history.val_loss)) + 1);
    assert.equal(run.ends.at(-1)!.last, true);
    assert.ok(run.ends.slice(0, -1).every((e) => !e.last));
  });
});
