/**
 * BatchMatMul for wasm. A single product (no batch) of float32 matrices runs on the project's
 * FMA GEMM (fmaGemm.ts), which packs either operand, transposed or not, as it goes. Otherwise
 * the stock kernel runs, never asked to transpose: XNNPACK's product is far slower with
 * transposeA or transposeB than plain, and every matmul in a Dense layer's backward pass is
 * transposed; an explicit Transpose (a copy) then the plain product is much faster
 * (bench/RESULTS.md).
 */
import { tf } from '../tf.js';
import { canFmaMatMul, fmaMatMul, type Strided } from './fmaGemm.js';
import { tookPath } from './kernelPaths.js';
import { disposeAll, runStock, type WasmKernelArgs } from './stock.js';

/** Kernel function: the FMA GEMM where it applies, else explicit transposes and the stock product. */
export function batchMatMul({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const fma = fmaProduct(a, b, transposeA, transposeB, backend);
  if (fma) {
    tookPath('BatchMatMul', 'fma');
    return fma;
  }
  tookPath('BatchMatMul', 'stock after transposes');
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

/**
 * a x b (each possibly transposed) on the FMA GEMM, as [(1,) m, n], + bias and relu where
 * given, when both have a batch of 1, are float32 and the product is big enough for its
 * blocks; else undefined.
 */
export function fmaProduct(
  a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, backend: WasmKernelArgs['backend'],
  bias?: tf.TensorInfo, relu = false,
): tf.TensorInfo | undefined {
  const batch = (x: tf.TensorInfo) => x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || batch(a) !== 1 || batch(b) !== 1) return undefined;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k, n] = [transposeA ? ac : ar, transposeA ? ar : ac, transposeB ? br : bc];
  if (!canFmaMatMul(m, n)) return undefined;
  // element (i, j) of the operand as multiplied, in the stored row-major buffer
  const strided = (info: tf.TensorInfo, transposed: boolean, columns: number): Strided =>
    transposed ? { info, rowStride: 4, columnStride: columns * 4 } : { info, rowStride: columns * 4, columnStride: 4 };
  const batchShape = (a.shape.length >= b.shape.length ? a : b).shape.slice(0, -2);
  // A transposed is packed straight from its buffer: the MLP's three biggest dW products were
  // faster than with a Transpose copy first (bench/RESULTS.md)
  return fmaMatMul(backend, strided(a, transposeA, ac), strided(b, transposeB, bc), [m, k, n], [...batchShape, m, n], bias, relu);
}
