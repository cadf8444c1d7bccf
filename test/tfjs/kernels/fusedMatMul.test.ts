import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareWithCpu } from './compareWithCpu.js';

// A Dense layer at inference, as the MLP's (784 -> 1000, relu) and output layer (100 -> 10) at a
// batch of 18 (not a multiple of the GEMM's 4 rows), and a case the stock kernel keeps (elu).
const CASES: { label: string; shapes: Record<string, number[]>; activation: string; transposeB: boolean }[] = [
  { label: 'relu with bias', shapes: { a: [1, 18, 784], b: [1, 784, 1000], bias: [1000] }, activation: 'relu', transposeB: false },
  { label: 'linear with bias, 10 columns', shapes: { a: [1, 18, 100], b: [1, 100, 10], bias: [10] }, activation: 'linear', transposeB: false },
  { label: 'relu without bias, transposeB', shapes: { a: [1, 18, 50], b: [1, 20, 50] }, activation: 'relu', transposeB: true },
  { label: 'elu (stock kernel)', shapes: { a: [1, 18, 50], b: [1, 50, 20], bias: [20] }, activation: 'elu', transposeB: false },
];

describe('_FusedMatMul on wasm', () => {
  for (const { label, shapes, activation, transposeB } of CASES) {
    it(`matches cpu: ${label}, no leak`, async () => {
      const r = await compareWithCpu('_FusedMatMul', shapes, { transposeA: false, transposeB, activation });
      assert.ok(r.relativeError < 1e-4, `relative error ${r.relativeError}`);
      assert.equal(r.leakedTensors, 0);
      assert.equal(r.leakedBuffers, 0);
    });
  }
});
