/**
 * FusedBatchNorm (forward) for wasm with per-channel statistics as x * a + b, where
 * a = scale / sqrt(variance + epsilon) and b = offset - mean * a are per-channel vectors
 * computed once. The stock kernel indexes the statistics per element and is slow; two
 * broadcast XNNPACK passes take far less, and one WebAssembly SIMD pass (assembly/affine.ts,
 * for a multiple of 4 channels) less again (bench/RESULTS.md). Other statistics shapes
 * keep the stock kernel.
 */
import { tf } from '../tf.js';
import { tookPath } from './kernelPaths.js';
import { disposeAll, runStock, type WasmKernelArgs } from './stock.js';
import { WasmModule } from '../../wasm/wasmModule.js';

/** affine(x, y, a, b, pixels, channelBytes): byte addresses; channelBytes a multiple of 16. */
type Affine = (x: number, y: number, a: number, b: number, pixels: number, channelBytes: number) => void;

const AFFINE = new WasmModule(new URL('./assembly/affine.wasm', import.meta.url));

/** Kernel function: y = x * a + b with per-channel a and b. */
export function fusedBatchNorm({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, mean, variance, offset, scale } = inputs as Record<string, tf.TensorInfo | undefined> & { x: tf.TensorInfo };
  const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
  const channels = x.shape.at(-1);
  const perChannel = [mean, variance, offset, scale].every((t) => t === undefined || (t.shape.length === 1 && t.shape[0] === channels));
  if (!perChannel || x.dtype !== 'float32') {
    tookPath('FusedBatchNorm', 'stock');
    return runStock('FusedBatchNorm', backend, inputs, attrs);
  }
  const read = (t: tf.TensorInfo | undefined) => (t ? (backend.typedArrayFromHeap(t) as Float32Array) : undefined);
  const [m, v, o, s] = [mean, variance, offset, scale].map(read) as [Float32Array, Float32Array, Float32Array?, Float32Array?];
  const a = new Float32Array(channels!);
  const b = new Float32Array(channels!);
  for (let c = 0; c < channels!; c++) {
    a[c] = (s ? s[c]! : 1) / Math.sqrt(v[c]! + varianceEpsilon);
    b[c] = (o ? o[c]! : 0) - m[c]! * a[c]!;
  }
  const aInfo = backend.makeOutput([channels!], 'float32', undefined, a);
  const bInfo = backend.makeOutput([channels!], 'float32', undefined, b);
  const affine = channels! % 4 === 0 ? AFFINE.bindToBackend<{ affine: Affine }>(backend).affine : undefined;
  tookPath('FusedBatchNorm', affine ? 'simd affine' : 'two broadcast passes');
  if (affine) {
    const out = backend.makeOutput(x.shape, 'float32');
    // Addresses read after makeOutput: allocating can grow (and move views of) the heap.
    const at = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
    const pixels = x.shape.slice(0, -1).reduce((n, d) => n * d, 1);
    affine(at(x), at(out), at(aInfo), at(bInfo), pixels, channels! * Float32Array.BYTES_PER_ELEMENT);
    disposeAll(backend, aInfo, bInfo);
    return out;
  }
  const scaled = runStock('Multiply', backend, { a: x, b: aInfo });
  const out = runStock('Add', backend, { a: scaled, b: bInfo });
  disposeAll(backend, aInfo, bInfo, scaled);
  return out;
}
