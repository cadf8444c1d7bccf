import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Piscina } from 'piscina';
import { sleepWorker } from '../../../fixtures/index.js';
import { runWithTimeout, TaskTimeoutError } from '../../../src/stages/predict/runWithTimeout.js';

describe('runWithTimeout', () => {
  const pool = new Piscina<{ ms: number }, number>({ filename: sleepWorker, minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: 2 });
  after(() => pool.destroy());

  it('returns what a task returns within its time', async () => {
    assert.equal(await runWithTimeout(pool, { ms: 10 }, 5000), 10);
  });

  it('stops a task past its time and the pool goes on with a new worker (issue 16: a FIFO hung the run)', async () => {
    const started = performance.now();
    await assert.rejects(runWithTimeout(pool, { ms: 60_000 }, 200), (err: Error) => {
      assert.ok(err instanceof TaskTimeoutError);
      assert.equal(err.message, 'took longer than 0.2 s');
      return true;
    });
    assert.ok(performance.now() - started < 2000);
    assert.equal(await runWithTimeout(pool, { ms: 1 }, 5000), 1);
  });

  it('stops nothing else: a task waiting beside a stopped one runs on the new worker', async () => {
    // Piscina gives a task that can be aborted a worker of its own, so the other one waits for it
    const slow = runWithTimeout(pool, { ms: 60_000 }, 200);
    const neighbour = runWithTimeout(pool, { ms: 500 }, 5000);
    await assert.rejects(slow, TaskTimeoutError);
    assert.equal(await neighbour, 500);
  });
});
