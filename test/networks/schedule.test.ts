import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ONE_CYCLE_DEFAULTS, oneCycleLearningRate } from '../../src/networks/schedule.js';

const cycle = { ...ONE_CYCLE_DEFAULTS, peak: 0.01, totalSteps: 100 };
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

describe('oneCycleLearningRate', () => {
  it("starts at peak / 25, tops at the peak at 30% of the steps, ends at the start's 1/10,000 (PyTorch's OneCycleLR)", () => {
    assert.ok(close(oneCycleLearningRate(0, cycle), 0.0004));
    assert.ok(close(oneCycleLearningRate(29, cycle), 0.01)); // PyTorch's top step: 0.3 * 100 - 1
    assert.ok(close(oneCycleLearningRate(99, cycle), 0.0004 / 1e4));
    assert.ok(close(oneCycleLearningRate(500, cycle), 0.0004 / 1e4), 'past the end: the end rate');
  });

  it('rises, then falls, each half along a cosine', () => {
    const rates = Array.from({ length: 100 }, (_, step) => oneCycleLearningRate(step, cycle));
    for (let i = 1; i <= 29; i++) assert.ok(rates[i]! > rates[i - 1]!, `rises at ${i}`);
    for (let i = 30; i < 100; i++) assert.ok(rates[i]! < rates[i - 1]!, `falls at ${i}`);
    // the cosine's middle (step 14.5 of the rise to step 29) is halfway between start and peak
    const mid = (0.0004 + 0.01) / 2;
    assert.ok(rates[14]! < mid && rates[15]! > mid);
    assert.ok(close((rates[14]! + rates[15]!) / 2, mid) || Math.abs((rates[14]! + rates[15]!) / 2 - mid) < 1e-4);
  });
});
