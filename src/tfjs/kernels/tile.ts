/**
 * Tile for wasm when it repeats the whole tensor along new leading axes, which is how the
 * BatchNormalization gradient broadcasts its per-channel scale: tile([1,1,1,C], [B,H,W,1]).
 * The stock kernel computes a source index per element, a large share of a CNN step; here
 * the output is one block repeated, written by doubling memory copies. Other tilings keep the
 * stock kernel.
 */
import { tf } from '../tf.js';
import { runStock, type WasmKernelArgs } from './stock.js';
import { tookPath } from './kernelPaths.js';

/**
 * How many leading axes `reps` repeats a block along: k when reps[i] = 1 for every i >= k and
 * x.shape[i] = 1 for every i < k (so the output is x's data repeated end to end), else 0.
 */
export function repeatedLeadingAxes(shape: readonly number[], reps: readonly number[]): number {
  let k = reps.length;
  while (k > 0 && reps[k - 1] === 1) k--;
  return shape.slice(0, k).every((s) => s === 1) ? k : 0;
}

/** Kernel function: copies x once, then doubles the filled prefix until the output is full. */
export function tile({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const { reps } = attrs as unknown as tf.TileAttrs;
  if (x.dtype === 'string' || repeatedLeadingAxes(x.shape, reps) === 0) {
    tookPath('Tile', 'stock');
    return runStock('Tile', backend, inputs, attrs);
  }
  tookPath('Tile', 'leading axes');
  const out = backend.makeOutput(x.shape.map((s, i) => s * reps[i]!), x.dtype);
  // Views taken after makeOutput: allocating can grow the wasm heap and detach older views.
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  dst.set(src);
  for (let filled = src.length; filled < dst.length; filled *= 2) {
    dst.copyWithin(filled, 0, Math.min(filled, dst.length - filled));
  }
  return out;
}
