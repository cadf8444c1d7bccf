import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeNetworkArtifacts } from '../../fixtures/index.js';
import { cnn } from '../../src/stages/cnn.js';
import { runStageLines } from './network/runStage.js';

let dir: string;

describe('cnn stage', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cnn-stage-'));
    await writeNetworkArtifacts(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  // wasm: the pure-JS cpu backend needs ~100 s for this; wasm a few.
  it("trains the study's CNN on image tensors and records it beside other models in metrics.json", async () => {
    const lines = await runStageLines(cnn, ['--artifacts-dir', dir, '--backend', 'wasm', '--batch-size', '12', '--epochs', '1']);
    assert.ok(lines.includes('Total params: 907658'));
    assert.ok(lines.includes('Trainable params: 906890'));
    assert.match(lines.find((l) => l.startsWith('epoch '))!, /^epoch 1\/1 \d+\.\d s loss \d\.\d{4} accuracy \d\.\d{4} val_loss \d\.\d{4} val_accuracy \d\.\d{4} \(best, saved\)$/);
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    assert.deepEqual(Object.keys(metrics), ['cnn']);
    assert.equal(metrics.cnn.epochsRun, 1);
    assert.equal(metrics.cnn.bestEpoch, 1);
    const model = JSON.parse(await readFile(join(dir, 'models', 'cnn', 'model.json'), 'utf8'));
    assert.equal(model.modelTopology.class_name, 'Sequential');
  });
});
