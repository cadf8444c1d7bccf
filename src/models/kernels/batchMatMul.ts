/**
 * BatchMatMul for wasm that never asks the stock kernel to transpose: the stock kernel runs a
 * 500x1000x800 product at ~30 GFLOP/s plain but ~2.3 GFLOP/s with transposeA or transposeB,
 * and every matmul in a Dense layer's backward pass is transposed. An explicit Transpose
 * (a copy, linear in the operand size) then the plain product is about 7x faster per step.
 */
import { tf } from '../tf.js';
import { disposeAll, runStock, type WasmKernelArgs } from './stock.js';

/** Kernel function: transposes operands explicitly, then multiplies untransposed. */
export function batchMatMul({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const plainA = transposeA ? swapLastAxes(a, backend) : a;
  const plainB = transposeB ? swapLastAxes(b, backend) : b;
  const out = runStock('BatchMatMul', backend, { a: plainA, b: plainB }, { transposeA: false, transposeB: false });
  if (transposeA) disposeAll(backend, plainA);
  if (transposeB) disposeAll(backend, plainB);
  return out;
}

function swapLastAxes(x: tf.TensorInfo, backend: WasmKernelArgs['backend']): tf.TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
  return runStock('Transpose', backend, { x }, { perm });
}
