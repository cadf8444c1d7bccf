import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeNetworkArtifacts } from '../../fixtures/index.js';
import { loadConfig } from '../../src/config.js';
import { oneCycleLearningRate, ONE_CYCLE_DEFAULTS } from '../../src/networks/schedule.js';
import { convnet, convnetRecipe } from '../../src/stages/convnet.js';
import { runStageLines } from './network/runStage.js';

let dir: string;
const FLAGS = ['--backend', 'wasm', '--batch-size', '15', '--workers', '1'];

describe('convnet stage', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convnet-stage-'));
    await writeNetworkArtifacts(dir); // split: 45 train rows, 15 valid rows
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('fits every training row of the split, validates on its validation rows, with its recipe, and records it', async () => {
    const lines = await runStageLines(convnet, ['--artifacts-dir', dir, ...FLAGS, '--epochs', '2']);
    assert.ok(lines.includes('fit on 45 images, validate on 15; batch 15, up to 2 epochs, early stopping patience 20'), lines.join('\n'));
    assert.ok(lines.some((l) => /^augmentation: flips; learning rate: one cycle, peak 0\.005; AdamW, weight decay 0\.01; label smoothing 0\.1; test-time flips: on; \d+\.\d\dM multiply-adds per image$/.test(l)));
    assert.ok(lines.some((l) => /^convnet: valid accuracy \d\.\d{4} \(15 images; without test-time flips \d\.\d{4}\), test accuracy \d\.\d{4} \(\d+ images\)/.test(l)), lines.join('\n'));
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    assert.equal(metrics.convnet.epochsRun, 2);
    assert.ok(metrics.convnet.parameters <= 300_000);
    assert.deepEqual(metrics.convnet.recipe.augment, { shift: false, flip: true });
    assert.equal(metrics.convnet.recipe.mirrorAverage, true);
    assert.equal(typeof metrics.convnet.validAccuracyWithoutTestTimeFlips, 'number');
    // trained with flips: the saved model averages each image with its mirror (test/networks/convnet.test.ts checks what it computes)
    const model = JSON.parse(await readFile(join(dir, 'models', 'convnet', 'model.json'), 'utf8'));
    assert.equal(model.modelTopology.class_name, 'Model');
    assert.deepEqual(model.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name), ['InputLayer', 'Reshape', 'Dense', 'Reshape', 'Sequential', 'Average']);
  });

  it('saves the net alone with --test-time-flip off, and drops the figure without flips from metrics.json', async () => {
    const lines = await runStageLines(convnet, ['--artifacts-dir', dir, ...FLAGS, '--epochs', '1', '--test-time-flip', 'off']);
    assert.ok(lines.some((l) => /^convnet: valid accuracy \d\.\d{4} \(15 images\), test accuracy/.test(l)), lines.join('\n'));
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    assert.equal(metrics.convnet.recipe.mirrorAverage, false);
    assert.equal('validAccuracyWithoutTestTimeFlips' in metrics.convnet, false);
    const model = JSON.parse(await readFile(join(dir, 'models', 'convnet', 'model.json'), 'utf8'));
    assert.equal(model.modelTopology.class_name, 'Sequential');
  });

  it('trains the same weights in one run as in a run interrupted after epoch 1 and resumed (augmentation draws included)', async () => {
    const resumed = await mkdtemp(join(tmpdir(), 'convnet-resume-'));
    try {
      await cp(dir, resumed, { recursive: true });
      await runStageLines(convnet, ['--artifacts-dir', dir, ...FLAGS, '--epochs', '2', '--augment', 'shift,flip']);
      const common = ['--artifacts-dir', resumed, ...FLAGS, '--epochs', '2', '--augment', 'shift,flip'];
      await runStageLines(convnet, common, /^epoch 1\/2 /);
      const lines = await runStageLines(convnet, [...common, '--resume']);
      assert.ok(lines.includes('resuming after epoch 1'));
      const weights = (d: string) => readFile(join(d, 'models', 'convnet', 'weights.bin'));
      assert.deepEqual(await weights(resumed), await weights(dir));
    } finally {
      await rm(resumed, { recursive: true, force: true });
    }
  });

  it('trains in batches of its own default size, 128, when --batch-size is not given, and records it', async () => {
    const lines = await runStageLines(convnet, ['--artifacts-dir', dir, '--backend', 'wasm', '--workers', '1', '--epochs', '1']);
    assert.ok(lines.includes('fit on 45 images, validate on 15; batch 128, up to 1 epochs, early stopping patience 20'), lines.join('\n'));
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    assert.equal(metrics.convnet.batchSize, 128);
  });

  it('turns each part of the recipe off by flag', () => {
    const recipe = convnetRecipe(loadConfig(['--augment', 'none', '--schedule', 'constant', '--max-learning-rate', '0.001', '--weight-decay', '0', '--label-smoothing', '0']).convnet);
    assert.equal(recipe.augment, undefined);
    assert.deepEqual(recipe.stepSettings(100)(50), { learningRate: 0.001, weightDecay: 0, labelSmoothing: 0 });
    assert.match(recipe.describe, /^augmentation: none; learning rate: constant 0\.001; Adam; label smoothing 0; test-time flips: off;/);
    // auto follows --augment: on when training flips; on and off override it
    assert.equal(recipe.mirrorAverage, false);
    assert.equal(convnetRecipe(loadConfig(['--augment', 'none', '--test-time-flip', 'on']).convnet).mirrorAverage, true);
    assert.equal(convnetRecipe(loadConfig(['--augment', 'shift']).convnet).mirrorAverage, false);
    assert.equal(convnetRecipe(loadConfig(['--augment', 'flip', '--test-time-flip', 'off']).convnet).mirrorAverage, false);
    const cycle = convnetRecipe(loadConfig(['--augment', 'flip']).convnet);
    assert.deepEqual(cycle.augment, { shift: 0, flip: true });
    assert.equal(cycle.stepSettings(100)(10).learningRate, oneCycleLearningRate(10, { ...ONE_CYCLE_DEFAULTS, peak: 0.005, totalSteps: 100 }));
    assert.throws(() => loadConfig(['--augment', 'rotate']), { message: 'Expected "shift", "flip", "shift,flip" or "none" for augment but received "rotate" (from --augment).' });
    assert.throws(() => loadConfig(['--test-time-flip', 'yes']), { message: 'Expected auto | on | off for testTimeFlip but received "yes" (from --test-time-flip).' });
  });
});
