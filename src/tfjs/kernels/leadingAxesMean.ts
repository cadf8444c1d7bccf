/**
 * Mean over the leading axes of a tensor (e.g. batch, height and width of an NHWC activation),
 * the reduction BatchNormalization and its gradient do again and again. The stock Sum and Mean
 * first transpose the reduced axes innermost (a slow generic 4-D transpose of the whole
 * activation); XNNPACK's average pooling reduces leading axes in place, far faster.
 */
import { tf } from '../tf.js';
import { disposeAll, runStock, withShape, type WasmKernelArgs } from './stock.js';

/**
 * How many leading axes `axis` reduces: k when the axes are exactly 0..k-1 and at least one
 * axis is kept; 0 otherwise (no leading-axes reduction: use the stock kernel).
 */
export function leadingAxesCount(shape: readonly number[], axis: number | number[] | null | undefined): number {
  const axes = [...new Set(tf.util.parseAxisParam(axis ?? shape.map((_, i) => i), shape as number[]))].sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  return leading && axes.length < shape.length ? axes.length : 0;
}

/**
 * Mean of float32 `x` over its first `k` axes, shape `x.shape.slice(k)`; the caller owns it.
 * Two average pools (rows within each index of axis 0, then across axis 0) keep the float32
 * sums short: ~1e-6 relative error where one pool over 392,000 rows gives ~2e-5.
 */
export function meanOverLeadingAxes(x: tf.TensorInfo, k: number, backend: WasmKernelArgs['backend']): tf.TensorInfo {
  const outer = x.shape[0]!;
  const inner = x.shape.slice(1, k).reduce((a, b) => a * b, 1);
  const kept = x.shape.slice(k);
  const channels = kept.reduce((a, b) => a * b, 1);
  const pool = (t: tf.TensorInfo, rows: number) =>
    runStock('AvgPool', backend, { x: t }, { filterSize: [rows, 1], strides: [1, 1], pad: 'valid' });
  const perImage = pool(withShape(x, [outer, inner, 1, channels]), inner);
  const mean = pool(withShape(perImage, [1, outer, 1, channels]), outer);
  disposeAll(backend, perImage);
  mean.shape = kept;
  return mean;
}
