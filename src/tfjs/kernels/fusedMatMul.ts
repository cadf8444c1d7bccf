/**
 * _FusedMatMul (a Dense layer at inference: product, bias, activation) for wasm on the
 * project's FMA GEMM (see batchMatMul.ts), which adds the bias and applies relu as it stores
 * each block. Other activations, PReLU weights, float32 biases of another shape than [n] and
 * batched products keep the stock kernel.
 */
import type { tf } from '../tf.js';
import { fmaProduct } from './batchMatMul.js';
import { tookPath } from './kernelPaths.js';
import { runStock, type WasmKernelArgs } from './stock.js';

/** Kernel function: the FMA product with its bias and relu where it applies, else the stock kernel. */
export function fusedMatMul({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined> & { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB, activation } = attrs as unknown as tf._FusedMatMulAttrs;
  const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  const plainBias = !bias || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === n);
  const supported = (activation === 'linear' || activation === 'relu') && !preluActivationWeights && plainBias;
  const product = supported ? fmaProduct(a, b, transposeA, transposeB, backend, bias, activation === 'relu') : undefined;
  tookPath('_FusedMatMul', product ? 'fma' : 'stock');
  return product ?? runStock('_FusedMatMul', backend, inputs, attrs);
}
