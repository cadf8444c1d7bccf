/**
 * _FusedMatMul (a Dense layer at inference: product, bias, activation) for wasm on the
 * project's FMA GEMM (see batchMatMul.ts), then the stock broadcast Add and Relu, which are
 * cheap next to the product. Other activations, PReLU weights and batched products keep the
 * stock kernel.
 */
import type { tf } from '../tf.js';
import { fmaProduct } from './batchMatMul.js';
import { disposeAll, runStock, type WasmKernelArgs } from './stock.js';

/** Kernel function: FMA product, + bias, then relu where asked. */
export function fusedMatMul({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined> & { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB, activation } = attrs as unknown as tf._FusedMatMulAttrs;
  const supported = (activation === 'linear' || activation === 'relu') && !preluActivationWeights;
  const product = supported ? fmaProduct(a, b, transposeA, transposeB, backend) : undefined;
  if (!product) return runStock('_FusedMatMul', backend, inputs, attrs);
  const biased = bias ? runStock('Add', backend, { a: product, b: bias }) : product;
  const out = activation === 'relu' ? runStock('Relu', backend, { x: biased }) : biased;
  if (biased !== product) disposeAll(backend, product);
  if (out !== biased) disposeAll(backend, biased);
  return out;
}
