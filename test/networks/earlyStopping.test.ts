import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_EARLY_STOPPING, observeValLoss, type EarlyStoppingState } from '../../src/networks/earlyStopping.js';

/** Feeds val_losses epoch by epoch; returns the epoch it stopped at (or undefined) and the state. */
function run(valLosses: number[], patience: number): { stoppedAt?: number; state: EarlyStoppingState; improved: number[] } {
  let state = INITIAL_EARLY_STOPPING;
  const improved: number[] = [];
  for (const [i, loss] of valLosses.entries()) {
    const seen = observeValLoss(state, i + 1, loss, patience);
    state = seen.state;
    if (seen.improved) improved.push(i + 1);
    if (seen.stop) return { stoppedAt: i + 1, state, improved };
  }
  return { state, improved };
}

describe('early stopping on val_loss', () => {
  it('stops after `patience` epochs without a strictly lower val_loss', () => {
    const r = run([1.0, 0.9, 0.95, 0.9, 0.97, 0.5], 3);
    assert.equal(r.stoppedAt, 5);
    assert.deepEqual(r.state, { best: 0.9, bestEpoch: 2, wait: 3 });
    assert.deepEqual(r.improved, [1, 2]);
  });

  it('an improvement resets the wait', () => {
    const r = run([1.0, 1.1, 1.2, 0.8, 0.9, 0.95, 0.99], 3);
    assert.equal(r.stoppedAt, 7);
    assert.equal(r.state.bestEpoch, 4);
  });

  it('runs to the end when val_loss keeps falling', () => {
    const r = run([5, 4, 3, 2, 1], 1);
    assert.equal(r.stoppedAt, undefined);
    assert.deepEqual(r.improved, [1, 2, 3, 4, 5]);
  });

  it('patience 1 stops at the first epoch that does not improve', () => {
    assert.equal(run([1, 1], 1).stoppedAt, 2);
  });

  it('a NaN val_loss never counts as the best', () => {
    const r = run([Number.NaN, 2, Number.NaN], 5);
    assert.deepEqual(r.improved, [2]);
    assert.equal(r.state.wait, 1);
  });
});
