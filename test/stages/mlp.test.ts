import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeNetworkArtifacts } from '../../fixtures/index.js';
import type { History } from '../../src/networks/train.js';
import { mlp } from '../../src/stages/mlp.js';
import { runStageLines } from './network/runStage.js';

let dir: string;

/** Runs the real mlp stage (the study's MLP) on the 60-image fixture with the cpu backend. */
const runStage = (flags: string[], abortAfterLine?: RegExp) =>
  runStageLines(mlp, ['--artifacts-dir', dir, '--backend', 'cpu', '--batch-size', '12', '--seed', '5', ...flags], abortAfterLine);

const readJson = async (path: string) => JSON.parse(await readFile(join(dir, path), 'utf8'));

describe('mlp stage', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlp-stage-'));
    await writeNetworkArtifacts(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps the finished epoch when interrupted, and says how to continue', async () => {
    const lines = await runStage(['--epochs', '3'], /^epoch 1\/3 /);
    assert.ok(lines.includes('interrupted in epoch 2: 1 finished epoch(s) kept; continue with --resume'), lines.join('\n'));
    assert.deepEqual((await readJson('history/mlp.json')).epoch, [1]);
    await assert.rejects(readFile(join(dir, 'metrics.json')), { code: 'ENOENT' });
  });

  it('resumes, trains to the last epoch, and writes model, curves and metrics', async () => {
    const lines = await runStage(['--epochs', '3', '--resume']);
    assert.equal(lines[0], 'backend: cpu');
    assert.ok(lines.includes('Total params: 2222460'));
    assert.ok(lines.includes('resuming after epoch 1'));
    assert.ok(lines.includes('fit on 36 images, validate on 9; batch 12, up to 3 epochs, early stopping patience 5'));
    assert.deepEqual(lines.filter((l) => l.startsWith('epoch ')).map((l) => l.split(' ')[1]), ['2/3', '3/3']);
    const history = (await readJson('history/mlp.json')) as History;
    assert.deepEqual(history.epoch, [1, 2, 3]);
    const metrics = (await readJson('metrics.json')).mlp;
    assert.equal(metrics.epochsRun, 3);
    assert.equal(metrics.backend, 'cpu');
    assert.ok(metrics.validAccuracy >= 0 && metrics.validAccuracy <= 1);
    assert.ok(metrics.testAccuracy >= 0 && metrics.testAccuracy <= 1);
    assert.equal(metrics.bestValLoss, Math.min(...history.val_loss));
    assert.equal(metrics.fitSeconds, history.seconds.reduce((a, b) => a + b, 0));
    assert.ok(lines.at(-1)!.startsWith(`mlp: valid accuracy ${metrics.validAccuracy.toFixed(4)} (15 images), test accuracy`));
    const png = await readFile(join(dir, 'figures', 'mlp-history.png'));
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    const model = await readJson('models/mlp/model.json');
    assert.equal(model.format, 'layers-model');
  });

  it('a resume of a finished run trains nothing and evaluates again', async () => {
    const lines = await runStage(['--epochs', '3', '--resume']);
    assert.equal(lines.filter((l) => l.startsWith('epoch ')).length, 0);
    assert.ok(lines.includes('finished after epoch 3; best val_loss at epoch ' + (await readJson('metrics.json')).mlp.bestEpoch));
  });
});
