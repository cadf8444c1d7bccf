import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canFmaMatMul } from '../../../src/tfjs/kernels/fmaGemm.js';
import { assertMatchesCpu, compareWithCpu } from './compareWithCpu.js';

// Shapes of the MLP's first Dense layer (784 -> 1000) at a batch of 16: forward, and the two
// transposed products of its backward pass.
const CASES = [
  { label: 'plain x W', a: [16, 784], b: [784, 1000], transposeA: false, transposeB: false },
  { label: 'dW = x^T dy (transposeA)', a: [16, 784], b: [16, 1000], transposeA: true, transposeB: false },
  { label: 'dx = dy W^T (transposeB)', a: [16, 1000], b: [784, 1000], transposeA: false, transposeB: true },
  { label: 'both transposed', a: [784, 16], b: [1000, 784], transposeA: true, transposeB: true },
  { label: 'batched rank 3, transposeB', a: [3, 5, 7], b: [3, 4, 7], transposeA: false, transposeB: true },
  // the FMA GEMM's edges: rows not a multiple of 4 and columns not a multiple of 8 (the last
  // block overlaps the previous one), 10 columns (the output layer), under 4 rows (stock kernel)
  { label: '250 x 300 x 100 (rank 3)', a: [1, 250, 300], b: [1, 300, 100], transposeA: false, transposeB: false },
  { label: '6 x 9 x 10, both transposed', a: [9, 6], b: [10, 9], transposeA: true, transposeB: true },
  { label: '3 rows', a: [3, 20], b: [20, 16], transposeA: false, transposeB: false },
  // A taller than one chunk of packed rows (512 KB: 252 blocks of 4 rows at k = 130), the
  // last chunk ending in the overlapping block
  { label: '1029 x 130 x 19, A in 2 chunks', a: [1029, 130], b: [130, 19], transposeA: false, transposeB: false },
];

describe('BatchMatMul on wasm', () => {
  it('runs on the FMA GEMM from 4 rows and 8 columns', () => {
    assert.equal(canFmaMatMul(4, 8), true);
    assert.equal(canFmaMatMul(3, 8), false);
    assert.equal(canFmaMatMul(4, 7), false);
  });

  for (const { label, a, b, transposeA, transposeB } of CASES) {
    it(`matches cpu: ${label}, no leak`, async () => {
      const r = await compareWithCpu('BatchMatMul', { a, b }, { transposeA, transposeB });
      const rows = transposeA ? a.at(-1)! : a.at(-2)!;
      const cols = transposeB ? b.at(-2)! : b.at(-1)!;
      assertMatchesCpu(r, [...a.slice(0, -2), rows, cols]);
    });
  }
});
