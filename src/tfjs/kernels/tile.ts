/**
 * Tile for wasm when it repeats blocks along axes of size 1: along leading axes, which is how
 * the BatchNormalization gradient broadcasts its per-channel scale (tile([1,1,1,C], [B,H,W,1])),
 * or along middle axes, which is how global average pooling's gradient spreads each image's
 * [C] over its pixels (tile([B,1,1,C], [1,H,W,1])). The stock kernel computes a source index
 * per element, a large share of a CNN step; here each block is repeated by doubling memory
 * copies. Other tilings keep the stock kernel.
 */
import { tf } from '../tf.js';
import { runStock, type WasmKernelArgs } from './stock.js';
import { tookPath } from './kernelPaths.js';

/**
 * Tiling as `outer` blocks of `block` elements, each repeated `times` over: when every axis
 * with reps[i] > 1 has size 1 and those axes are consecutive (the repeated axes, between the
 * outer ones before them and the block's after). Undefined for any other tiling.
 */
export function repeatedBlocks(shape: readonly number[], reps: readonly number[]): { outer: number; block: number; times: number } | undefined {
  const repeated = reps.flatMap((r, i) => (r > 1 ? [i] : []));
  if (repeated.length === 0) return undefined;
  const [first, last] = [repeated[0]!, repeated.at(-1)!];
  for (let i = first; i <= last; i++) if (shape[i] !== 1) return undefined;
  const product = (values: readonly number[]) => values.reduce((a, b) => a * b, 1);
  return { outer: product(shape.slice(0, first)), block: product(shape.slice(last + 1)), times: product(reps.slice(first, last + 1)) };
}

/** Kernel function: per outer block, copies it once, then doubles the filled part until it is repeated `times` over. */
export function tile({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const { reps } = attrs as unknown as tf.TileAttrs;
  const blocks = x.dtype === 'string' ? undefined : repeatedBlocks(x.shape, reps);
  if (!blocks) {
    tookPath('Tile', 'stock');
    return runStock('Tile', backend, inputs, attrs);
  }
  tookPath('Tile', blocks.outer === 1 ? 'leading axes' : 'middle axes');
  const out = backend.makeOutput(x.shape.map((s, i) => s * reps[i]!), x.dtype);
  // Views taken after makeOutput: allocating can grow the wasm heap and detach older views.
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const { outer, block, times } = blocks;
  const span = block * times;
  for (let o = 0; o < outer; o++) {
    const start = o * span;
    dst.set(src.subarray(o * block, (o + 1) * block), start);
    for (let filled = block; filled < span; filled *= 2) {
      dst.copyWithin(start + filled, start, start + Math.min(filled, span - filled));
    }
  }
  return out;
}
