import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, fillBernoulli } from '../src/random.js';

describe('random', () => {
  it('createRng(87) draws the same stream as always (split, folds, shuffles and forests depend on it)', () => {
    const rng = createRng(87);
    assert.deepEqual([rng.next(), rng.next(), rng.next()], [0.04625770472921431, 0.40071293828077614, 0.4110434746835381]);
    assert.equal(rng.state(), 1199730230);
    const resumed = createRng(87, rng.state());
    assert.equal(resumed.next(), rng.next());
  });

  it('fillBernoulli(p) keeps exactly the elements where createRng(seed).next() < p', () => {
    for (const [p, seed] of [[0.7, 5], [0.5, 0], [0.8, 2 ** 32 - 1]] as const) {
      const mask = new Float32Array(10_000);
      fillBernoulli(mask, p, 2.5, seed);
      const rng = createRng(seed);
      const expected = Float32Array.from(mask, () => (rng.next() < p ? 2.5 : 0));
      assert.deepEqual(mask, expected);
      const kept = mask.filter((v) => v !== 0).length / mask.length;
      assert.ok(Math.abs(kept - p) < 0.02, `kept ${kept} for p ${p}`);
    }
  });
});
