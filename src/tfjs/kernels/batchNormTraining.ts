/**
 * Kernels for BatchNorm in training on wasm (used by ../batchNormTraining.ts), under the
 * project's own names. Both need per-channel statistics over the last axis, float32, and a
 * multiple of 4 channels (`canUseBatchNormTrainingKernels`).
 * - CHANNEL_MOMENTS: x -> [mean, variance] per channel (biased variance, as tf.moments), from
 *   two passes: the sums, then the squares centred on the mean (no cancellation).
 * - BATCH_NORM_INPUT_GRAD: dx0, x, mean, b, c -> dx0 + (x - mean) * b + c per channel.
 * Both are WebAssembly SIMD loops (assembly/batchNormTraining.ts) over the backend's memory.
 * Sums run in float32 over chunks of CHUNK_PIXELS pixels and add up across chunks in float64.
 */
import { tf } from '../tf.js';
import type { WasmKernelArgs } from './stock.js';
import { WasmModule } from '../../wasm/wasmModule.js';

export const CHANNEL_MOMENTS = 'FashionPipelineChannelMoments';
export const BATCH_NORM_INPUT_GRAD = 'FashionPipelineBatchNormInputGrad';

const CHUNK_PIXELS = 1024;

/** centeredSums(x, m, acc, pixels, channelBytes): byte addresses; acc holds 2 x channels floats. */
type CenteredSums = (x: number, m: number, acc: number, pixels: number, channelBytes: number) => void;
/** inputGrad(dx0, x, dx, m, b, c, pixels, channelBytes): byte addresses. */
type InputGrad = (dx0: number, x: number, dx: number, m: number, b: number, c: number, pixels: number, channelBytes: number) => void;

const MODULE = new WasmModule(new URL('./assembly/batchNormTraining.wasm', import.meta.url));
const loops = (backend: WasmKernelArgs['backend']) => MODULE.bindToBackend<{ centeredSums: CenteredSums; inputGrad: InputGrad }>(backend);

/** Whether the kernels are registered and can run for activation `x` on the active backend. */
export function canUseBatchNormTrainingKernels(x: tf.Tensor): boolean {
  if (tf.getBackend() !== 'wasm' || !tf.getKernel(CHANNEL_MOMENTS, 'wasm') || !tf.getKernel(BATCH_NORM_INPUT_GRAD, 'wasm')) return false;
  return x.dtype === 'float32' && x.rank >= 2 && x.shape.at(-1)! % 4 === 0;
}

/** Kernel function (wasm): [mean, variance] of x per channel. */
export function channelMoments({ inputs, backend }: WasmKernelArgs): tf.TensorInfo[] {
  const { x } = inputs as { x: tf.TensorInfo };
  const { centeredSums } = loops(backend);
  const channels = x.shape.at(-1)!;
  const pixels = x.shape.slice(0, -1).reduce((n, d) => n * d, 1);
  const channelBytes = channels * Float32Array.BYTES_PER_ELEMENT;
  const centre = backend.makeOutput([channels], 'float32');
  const acc = backend.makeOutput([2 * channels], 'float32');
  const xAt = backend.typedArrayFromHeap(x).byteOffset;
  const centreView = backend.typedArrayFromHeap(centre) as Float32Array;
  const accView = backend.typedArrayFromHeap(acc) as Float32Array;
  /** sums of (x - centre) and of its square per channel, over all pixels */
  const sums = () => {
    const total = new Float64Array(2 * channels);
    for (let first = 0; first < pixels; first += CHUNK_PIXELS) {
      accView.fill(0);
      centeredSums(xAt + first * channelBytes, centreView.byteOffset, accView.byteOffset, Math.min(CHUNK_PIXELS, pixels - first), channelBytes);
      for (let c = 0; c < total.length; c++) total[c]! += accView[c]!;
    }
    return total;
  };
  centreView.fill(0);
  const mean = Float32Array.from(sums().subarray(0, channels), (s) => s / pixels);
  centreView.set(mean);
  const variance = Float32Array.from(sums().subarray(channels), (s) => s / pixels);
  backend.disposeData(centre.dataId);
  backend.disposeData(acc.dataId);
  return [
    backend.makeOutput([channels], 'float32', undefined, mean),
    backend.makeOutput([channels], 'float32', undefined, variance),
  ];
}

/** Kernel function (wasm): dx0 + (x - mean) * b + c with per-channel mean, b and c. */
export function batchNormInputGrad({ inputs, backend }: WasmKernelArgs): tf.TensorInfo {
  const { dx0, x, mean, b, c } = inputs as Record<'dx0' | 'x' | 'mean' | 'b' | 'c', tf.TensorInfo>;
  const { inputGrad } = loops(backend);
  const channels = x.shape.at(-1)!;
  const pixels = x.shape.slice(0, -1).reduce((n, d) => n * d, 1);
  const dx = backend.makeOutput(x.shape, 'float32');
  // Addresses read after makeOutput: allocating can grow (and move views of) the heap.
  const at = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  inputGrad(at(dx0), at(x), at(dx), at(mean), at(b), at(c), pixels, channels * Float32Array.BYTES_PER_ELEMENT);
  return dx;
}
