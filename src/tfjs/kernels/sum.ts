/**
 * Sum for wasm: reductions over leading axes (BatchNormalization's gradients sum dy-shaped
 * [batch, h, w, c] tensors over batch, h and w; Dense bias gradients sum over the batch) as a
 * fast mean times the count. Other reductions and non-float32 tensors keep the stock kernel.
 */
import { tf } from '../tf.js';
import { leadingAxesCount, meanOverLeadingAxes } from './leadingAxesMean.js';
import { disposeAll, runStock, type WasmKernelArgs } from './stock.js';
import { tookPath } from './kernelPaths.js';

/** Kernel function: sum = mean over the leading axes x their element count. */
export function sum({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const k = x.dtype === 'float32' ? leadingAxesCount(x.shape, axis) : 0;
  tookPath('Sum', k === 0 ? 'stock, other axes' : 'leading axes');
  if (k === 0) return runStock('Sum', backend, inputs, attrs);
  const mean = meanOverLeadingAxes(x, k, backend);
  const count = backend.makeOutput([], 'float32', undefined, Float32Array.of(x.shape.slice(0, k).reduce((a, b) => a * b, 1)));
  const out = runStock('Multiply', backend, { a: mean, b: count });
  disposeAll(backend, mean, count);
  out.shape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...mean.shape] : mean.shape;
  return out;
}
