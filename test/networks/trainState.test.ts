import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { networkImageSet60, tinyCnn, tinyMlp } from '../../fixtures/index.js';
import { INITIAL_EARLY_STOPPING } from '../../src/networks/earlyStopping.js';
import { trainStep } from '../../src/networks/step.js';
import { tf } from '../../src/tfjs/tf.js';
import { emptyHistory, type TrainProgress } from '../../src/networks/train.js';
import { loadTrainState, saveTrainState } from '../../src/networks/trainState.js';
import { batchOfRows } from '../../src/stages/network/datasets.js';

let dir: string;
const progress: TrainProgress = {
  epochsDone: 1,
  history: { ...emptyHistory(), epoch: [1], loss: [2], accuracy: [0.1], val_loss: [1.9], val_accuracy: [0.2], seconds: [3] },
  earlyStopping: { ...INITIAL_EARLY_STOPPING, best: 1.9, bestEpoch: 1 },
  rngState: 12345,
};

describe('training state file', () => {
  before(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'train-state-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('restores weights, BatchNorm statistics, Adam moments and progress', async () => {
    const batch = batchOfRows(await networkImageSet60(), [0, 1, 2, 3]);
    const model = tinyCnn(1);
    const optimizer = tf.train.adam();
    trainStep(model, optimizer, batch, [1, 2, 3, 4, 5]);
    await saveTrainState(join(dir, 'state.bin'), model, optimizer, progress);
    const copy = tinyCnn(2);
    const copyOptimizer = tf.train.adam();
    assert.deepEqual(await loadTrainState(join(dir, 'state.bin'), copy, copyOptimizer), progress);
    const values = (ws: tf.Tensor[]) => ws.map((w) => Array.from(w.dataSync()));
    assert.deepEqual(values(copy.getWeights()), values(model.getWeights()));
    const moments = async (o: tf.Optimizer) => {
      const ws = await o.getWeights();
      const out = values(ws.map((w) => w.tensor));
      tf.dispose(ws.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
      return out;
    };
    assert.deepEqual(await moments(copyOptimizer), await moments(optimizer));
    [model, copy, optimizer, copyOptimizer].forEach((x) => x.dispose());
  });

  it('returns undefined when there is nothing to resume', async () => {
    const model = tinyMlp();
    assert.equal(await loadTrainState(join(dir, 'none.bin'), model, tf.train.adam()), undefined);
    model.dispose();
  });

  it('refuses a state saved for another model, saying what to do', async () => {
    const model = tinyMlp();
    await saveTrainState(join(dir, 'mlp.bin'), model, tf.train.adam(), progress);
    const other = tinyMlp();
    other.add(tf.layers.dense({ units: 3 }));
    await assert.rejects(loadTrainState(join(dir, 'mlp.bin'), other, tf.train.adam()), {
      message:
        `The training state ${join(dir, 'mlp.bin')} was saved for a different model (weights 784x16,16,16x8,8,8x10,10, ` +
        'this model has 784x16,16,16x8,8,8x10,10,10x3,3). Delete it, or run without --resume to start over.',
    });
    [model, other].forEach((m) => m.dispose());
  });
});
