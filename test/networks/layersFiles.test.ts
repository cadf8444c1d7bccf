import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { networkImageSet60, tinyCnn } from '../../fixtures/index.js';
import { loadLayersModel, saveLayersModel } from '../../src/networks/layersFiles.js';
import { trainStep } from '../../src/networks/step.js';
import { tf } from '../../src/tfjs/tf.js';
import type { ImageBatch } from '../../src/dataset.js';
import { batchOfRows } from '../../src/stages/network/datasets.js';

let dir: string;
let batch: ImageBatch;

const predict = (model: tf.LayersModel) =>
  tf.tidy(() => Array.from((model.predict(tf.tensor(batch.pixels, [batch.count, 28, 28, 1])) as tf.Tensor).dataSync()));

describe('Layers-format model files', () => {
  before(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'layers-files-'));
    batch = batchOfRows(await networkImageSet60(), Array.from({ length: 12 }, (_, i) => i));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('save then load gives the same predictions, BatchNorm statistics included', async () => {
    const model = tinyCnn();
    const optimizer = tf.train.adam();
    trainStep(model, optimizer, batch, [1, 2, 3, 4, 5]); // moving statistics leave their initial values
    await saveLayersModel(model, join(dir, 'cnn'));
    assert.deepEqual((await readdir(join(dir, 'cnn'))).sort(), ['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'cnn', 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    const loaded = await loadLayersModel(join(dir, 'cnn'));
    assert.deepEqual(predict(loaded), predict(model));
    [model, loaded, optimizer].forEach((x) => x.dispose());
  });

  it('detects weights that do not belong to model.json (a save cut in the middle)', async () => {
    const model = tinyCnn();
    await saveLayersModel(model, join(dir, 'torn'));
    const weights = await readFile(join(dir, 'torn', 'weights.bin'));
    weights[0] = weights[0]! ^ 0xff;
    await writeFile(join(dir, 'torn', 'weights.bin'), weights);
    await assert.rejects(loadLayersModel(join(dir, 'torn')), {
      message: `${join(dir, 'torn', 'weights.bin')} does not match ${join(dir, 'torn', 'model.json')} (a save was interrupted). Delete ${join(dir, 'torn')} and train again with \`npm start -- --stage torn\`.`,
    });
    model.dispose();
  });

  it('says which folder has no model and how to make one', async () => {
    await assert.rejects(loadLayersModel(join(dir, 'mlp')), {
      message: `Cannot read the TensorFlow.js model in ${join(dir, 'mlp')} (ENOENT: no such file or directory, open '${join(dir, 'mlp', 'model.json')}'). Train it with \`npm start -- --stage mlp\`.`,
    });
  });
});
