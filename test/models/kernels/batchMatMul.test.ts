import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareWithCpu } from './compareWithCpu.js';

// Shapes of the MLP's first Dense layer (784 -> 1000) at a batch of 16: forward, and the two
// transposed products of its backward pass.
const CASES = [
  { label: 'plain x W', a: [16, 784], b: [784, 1000], transposeA: false, transposeB: false },
  { label: 'dW = x^T dy (transposeA)', a: [16, 784], b: [16, 1000], transposeA: true, transposeB: false },
  { label: 'dx = dy W^T (transposeB)', a: [16, 1000], b: [784, 1000], transposeA: false, transposeB: true },
  { label: 'both transposed', a: [784, 16], b: [1000, 784], transposeA: true, transposeB: true },
  { label: 'batched rank 3, transposeB', a: [3, 5, 7], b: [3, 4, 7], transposeA: false, transposeB: true },
];

describe('BatchMatMul on wasm', () => {
  for (const { label, a, b, transposeA, transposeB } of CASES) {
    it(`matches cpu: ${label}, no leak`, async () => {
      const r = await compareWithCpu('BatchMatMul', { a, b }, { transposeA, transposeB });
      const rows = transposeA ? a.at(-1)! : a.at(-2)!;
      const cols = transposeB ? b.at(-2)! : b.at(-1)!;
      assert.deepEqual(r.shape, [...a.slice(0, -2), rows, cols]);
      assert.ok(r.relativeError < 1e-4, `relative error ${r.relativeError}`);
      assert.equal(r.leakedTensors, 0);
      assert.equal(r.leakedBuffers, 0);
    });
  }
});
