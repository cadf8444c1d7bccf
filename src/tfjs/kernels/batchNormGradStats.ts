/**
 * The per-element part of FusedBatchNorm's gradient in one WebAssembly SIMD pass (source:
 * assembly/batchNormGradStats.ts): dx = dy * scaleInvStd, and per channel sum(dy) and
 * sum(dy * (x - mean)). Composed from stock kernels this is 5 passes over the activation (Sum,
 * Sub, Multiply, Sum, Multiply). Registered for wasm only, under the project's own kernel name;
 * the gradient (fusedBatchNormGrad.ts) uses it when `canFuseBatchNormGrad` says so, tf ops
 * otherwise. The sums run in float32 over chunks of CHUNK_PIXELS pixels and add up across
 * chunks in float64.
 */
import { tf } from '../tf.js';
import type { WasmKernelArgs } from './stock.js';
import { WasmModule } from '../../wasm/wasmModule.js';

/** The kernel's name: inputs dy, x, mean, scaleInvStd; outputs [dx, sumDy, sumDyCentered]. */
export const BATCH_NORM_GRAD_STATS = 'FashionPipelineBatchNormGradStats';

/** gradStats(dy, x, dx, mean, scaleInvStd, acc, pixels, channelBytes): byte addresses; acc += the sums. */
type GradStats = (dy: number, x: number, dx: number, mean: number, s: number, acc: number, pixels: number, channelBytes: number) => void;

/** Pixels per call: float32 sums over at most this many terms; few calls for small images. */
const CHUNK_PIXELS = 1024;

const MODULE = new WasmModule(new URL('./assembly/batchNormGradStats.wasm', import.meta.url));

/**
 * Whether the fused kernel can compute the gradient for activation `x` with per-channel
 * statistics (and scale / sqrt(variance + epsilon)): the wasm backend is active with the
 * project's kernels, and x is float32 with a multiple of 4 channels.
 */
export function canFuseBatchNormGrad(x: tf.Tensor, mean: tf.Tensor, scaleInvStd: tf.Tensor): boolean {
  if (tf.getBackend() !== 'wasm' || !tf.getKernel(BATCH_NORM_GRAD_STATS, 'wasm')) return false;
  const channels = x.shape.at(-1)!;
  return x.dtype === 'float32' && x.rank >= 2 && channels % 4 === 0 &&
    [mean, scaleInvStd].every((t) => t.dtype === 'float32' && t.rank === 1 && t.shape[0] === channels);
}

/** Kernel function (wasm): [dx, sumDy, sumDyCentered] for per-channel mean and scaleInvStd. */
export function batchNormGradStats({ inputs, backend }: WasmKernelArgs): tf.TensorInfo[] {
  const { dy, x, mean, scaleInvStd } = inputs as Record<'dy' | 'x' | 'mean' | 'scaleInvStd', tf.TensorInfo>;
  const { gradStats } = MODULE.bindToBackend<{ gradStats: GradStats }>(backend);
  const channels = x.shape.at(-1)!;
  const pixels = x.shape.slice(0, -1).reduce((n, d) => n * d, 1);
  const channelBytes = channels * Float32Array.BYTES_PER_ELEMENT;
  const dx = backend.makeOutput(x.shape, 'float32');
  const acc = backend.makeOutput([2 * channels], 'float32');
  // Views and addresses taken after the allocations above (allocating can grow the heap).
  const accView = backend.typedArrayFromHeap(acc) as Float32Array;
  const at = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  const [dyAt, xAt, dxAt, meanAt, sAt] = [dy, x, dx, mean, scaleInvStd].map(at) as [number, number, number, number, number];
  const sums = new Float64Array(2 * channels);
  for (let first = 0; first < pixels; first += CHUNK_PIXELS) {
    const offset = first * channelBytes;
    accView.fill(0);
    gradStats(dyAt + offset, xAt + offset, dxAt + offset, meanAt, sAt, accView.byteOffset, Math.min(CHUNK_PIXELS, pixels - first), channelBytes);
    for (let c = 0; c < sums.length; c++) sums[c]! += accView[c]!;
  }
  backend.disposeData(acc.dataId);
  const sumDy = backend.makeOutput([channels], 'float32', undefined, Float32Array.from(sums.subarray(0, channels)));
  const sumDyCentered = backend.makeOutput([channels], 'float32', undefined, Float32Array.from(sums.subarray(channels)));
  return [dx, sumDy, sumDyCentered];
}
