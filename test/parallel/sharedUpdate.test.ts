import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlatLayout } from '../../src/parallel/flatWeights.js';
import { simdAdam } from '../../src/parallel/flatAdam.js';
import { allocateSharedArrays, splitRanges, updateRange, type SharedTrainingArrays } from '../../src/parallel/sharedUpdate.js';
import { createRng } from '../../src/random.js';

// 4 trainable floats, then 2 BatchNorm statistics
const layout: FlatLayout = { shapes: [[4], [2]], offsets: [0, 4], trainableCount: 1, trainableFloats: 4, totalFloats: 6 };
const adam = { learningRate: 0.01, weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, iterations: 3 };

/** Shared arrays with `slots.length` shard slots; weights, moments and slot values are fixed small numbers. */
function arraysWith(slots: number[][]): SharedTrainingArrays {
  return {
    weights: Float32Array.from([0.5, -0.25, 1, 0, 7, 8]),
    m: Float32Array.from([0.1, 0, -0.2, 0.05]),
    v: Float32Array.from([0.01, 0, 0.04, 0.002]),
    slots: Float32Array.from(slots.flat()),
  };
}

/** Adam as tfjs writes it, in float64, from the weighted average of the slots. */
function expected(arrays: SharedTrainingArrays, slots: number[][], shares: number[]): number[] {
  const t = adam.iterations + 1;
  return Array.from({ length: layout.totalFloats }, (_, i) => {
    const g = slots.reduce((sum, slot, k) => sum + slot[i]! * shares[k]!, 0);
    if (i >= layout.trainableFloats) return g;
    const m = arrays.m[i]! * adam.beta1 + (1 - adam.beta1) * g;
    const v = arrays.v[i]! * adam.beta2 + (1 - adam.beta2) * g * g;
    return arrays.weights[i]! - (adam.learningRate * (m / (1 - adam.beta1 ** t))) / (Math.sqrt(v / (1 - adam.beta2 ** t)) + adam.epsilon);
  });
}

describe('updateRange', () => {
  const slotValues = [
    [0.3, -0.1, 0, 2, 1, 2],
    [0.1, 0.2, -0.4, 1, 3, 4],
    [-0.5, 0.6, 0.2, 0, 5, 0],
  ];
  for (const [count, shares] of [
    [1, [1]],
    [2, [0.6, 0.4]],
    [3, [0.5, 0.25, 0.25]],
  ] as const) {
    it(`averages ${count} slot(s) by share, updates the trainable floats by Adam and copies the statistics, over split ranges`, () => {
      const slots = slotValues.slice(0, count);
      const arrays = arraysWith(slots);
      const want = expected(arraysWith(slots), slots, [...shares]);
      // ranges cut through the trainable part and across the trainable/statistics border
      for (const range of splitRanges(layout.totalFloats, 4)) updateRange(arrays, layout, { ...range, shares: [...shares], adam });
      Array.from(arrays.weights).forEach((w, i) => assert.ok(Math.abs(w - want[i]!) <= 1e-6, `weight ${i}: ${w}, expected ${want[i]}`));
    });
  }

  for (const weightDecay of [0, 0.05]) {
    it(`runs Adam${weightDecay ? 'W (decoupled weight decay)' : ''} in the SIMD loop on arrays in shared WebAssembly memory, with the same results, unaligned ranges and tails included`, () => {
      // 4 tensors: 37 + 6 trainable floats, then 3 + 2 statistics
      const big: FlatLayout = { shapes: [[37], [6], [3], [2]], offsets: [0, 37, 43, 46], trainableCount: 2, trainableFloats: 43, totalFloats: 48 };
      const rng = createRng(11);
      const random = (n: number, scale: number) => Array.from({ length: n }, () => (rng.next() - 0.5) * scale);
      const [weights, m] = [random(48, 2), random(43, 0.2)];
      const v = random(43, 0.02).map(Math.abs);
      const slots = [random(48, 1), random(48, 1)];
      const shares = [0.625, 0.375];
      const shared = allocateSharedArrays(big, 2);
      assert.ok(simdAdam(shared.memory!), 'the SIMD loop runs here');
      shared.weights.set(weights);
      shared.m.set(m);
      shared.v.set(v);
      shared.slots.set(slots.flat());
      const want = Array.from({ length: 48 }, (_, i) => {
        const g = slots[0]![i]! * shares[0]! + slots[1]![i]! * shares[1]!;
        if (i >= 43) return g;
        const t = adam.iterations + 1;
        const mi = m[i]! * adam.beta1 + (1 - adam.beta1) * g;
        const vi = v[i]! * adam.beta2 + (1 - adam.beta2) * g * g;
        // PyTorch's AdamW: p *= 1 - lr * decay, then Adam's step
        const decayed = weights[i]! * (1 - adam.learningRate * weightDecay);
        return decayed - (adam.learningRate * (mi / (1 - adam.beta1 ** t))) / (Math.sqrt(vi / (1 - adam.beta2 ** t)) + adam.epsilon);
      });
      for (const range of splitRanges(big.totalFloats, 3)) updateRange(shared, big, { ...range, shares, adam: { ...adam, weightDecay } });
      Array.from(shared.weights).forEach((w, i) => assert.ok(Math.abs(w - want[i]!) <= 1e-6, `weight ${i}: ${w}, expected ${want[i]}`));
      if (weightDecay) assert.ok(Math.abs(shared.weights[0]! - weights[0]!) > 1e-4, 'the weights moved');
    });
  }
});
