import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeNetworkArtifacts } from '../../../fixtures/index.js';
import type { History } from '../../../src/networks/train.js';
import { mlp } from '../../../src/stages/mlp.js';
import { runStageLines } from './runStage.js';

let dir: string;

/** Runs the real mlp stage on the 60-image fixture with the wasm backend and `workers` threads. */
const runStage = (workers: number, flags: string[], abortAfterLine?: RegExp) =>
  runStageLines(
    mlp,
    ['--artifacts-dir', dir, '--backend', 'wasm', '--workers', String(workers), '--batch-size', '12', '--seed', '5', ...flags],
    abortAfterLine,
  );

const readHistory = async () => JSON.parse(await readFile(join(dir, 'history', 'mlp.json'), 'utf8')) as History;

describe('network stage on wasm with --workers 2', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'data-parallel-stage-'));
    await writeNetworkArtifacts(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('says it trains data-parallel, stops at Ctrl-C keeping the finished epoch, and resumes', async () => {
    const first = await runStage(2, ['--epochs', '3'], /^epoch 1\/3 /);
    assert.ok(first.includes('training data-parallel on 2 wasm workers'), first.join('\n'));
    assert.ok(first.includes('interrupted in epoch 2: 1 finished epoch(s) kept; continue with --resume'), first.join('\n'));
    assert.deepEqual((await readHistory()).epoch, [1]);

    const resumed = await runStage(2, ['--epochs', '3', '--resume']);
    assert.ok(resumed.includes('resuming after epoch 1'), resumed.join('\n'));
    assert.deepEqual(resumed.filter((l) => l.startsWith('epoch ')).map((l) => l.split(' ')[1]), ['2/3', '3/3']);
    const history = await readHistory();
    assert.deepEqual(history.epoch, [1, 2, 3]);
    assert.ok(history.loss.every((l) => Number.isFinite(l) && l > 0), `losses ${history.loss.join(', ')}`);
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')).mlp;
    assert.equal(metrics.backend, 'wasm');
    assert.equal(metrics.epochsRun, 3);
  });

  it('trains in this thread with --workers 1', async () => {
    const lines = await runStage(1, ['--epochs', '1']);
    assert.ok(!lines.some((l) => l.includes('data-parallel')), lines.join('\n'));
    assert.deepEqual((await readHistory()).epoch, [1]);
  });
});
