/**
 * Mean for wasm: reductions over leading axes (tf.moments in BatchNormalization averages
 * [batch, h, w, c] activations over batch, h and w) by average pooling. Other reductions and
 * non-float32 tensors keep the stock kernel.
 */
import { tf } from '../tf.js';
import { leadingAxesCount, meanOverLeadingAxes } from './leadingAxesMean.js';
import { runStock, type WasmKernelArgs } from './stock.js';
import { tookPath } from './kernelPaths.js';

/** Kernel function: mean over the leading axes by XNNPACK average pooling. */
export function mean({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = attrs as unknown as tf.MeanAttrs;
  const k = x.dtype === 'float32' ? leadingAxesCount(x.shape, axis) : 0;
  tookPath('Mean', k === 0 ? 'stock, other axes' : 'leading axes');
  if (k === 0) return runStock('Mean', backend, inputs, attrs);
  const out = meanOverLeadingAxes(x, k, backend);
  if (keepDims) out.shape = [...x.shape.slice(0, k).map(() => 1), ...out.shape];
  return out;
}
