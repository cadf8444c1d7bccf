/**
 * The filter gradient of a stride-1 convolution whose padding is all below and to the right
 * (the study's k=2 'same' convolutions: output as big as the input) as one matrix product per
 * filter tap on the FMA GEMM (fmaGemm.ts). Seeing x and dy as [pixels, channels] matrices,
 * tap (kh, kw) of dW ([Ci, Co]) is x[p + shift]^T dy[p] summed over the output pixels p, with
 * shift = kh * W + kw rows; a pixel whose tap falls in the padding (h + kh >= H or
 * w + kw >= W) reads a zero, so its dy row is zeroed in a copy. x is read in place, transposed
 * by the GEMM's packing: no patches are written (they are 4x x here). The products run over
 * CHUNK_PIXELS pixels at a time, so both packed operands stay in cache, and add up in float64.
 * It is faster than XNNPACK's transposed convolution (conv2dBackpropFilter.ts) on each of the
 * three convolutions; the chunk size matters little within the range tried (bench/RESULTS.md).
 */
import type { tf } from '../tf.js';
import { allocatePacking, canFmaMatMul, fmaMultiply } from './fmaGemm.js';
import { disposeAll, type WasmKernelArgs } from './stock.js';

type Backend = WasmKernelArgs['backend'];
type ConvInfo = tf.backend_util.Conv2DInfo;

/** Pixels per product: packed x (Ci x 4 B each) and dy (Co x 4 B) stay within L2. */
export const CHUNK_PIXELS = 512;

/** Stride and dilation 1, no padding above or left, output as big as the input: the shapes the per-tap products handle. */
export function isPaddedBelowRight(info: ConvInfo): boolean {
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo, inHeight, inWidth, outHeight, outWidth } = info;
  return (
    strideHeight === 1 && strideWidth === 1 && dilationHeight === 1 && dilationWidth === 1 &&
    padInfo.top === 0 && padInfo.left === 0 && outHeight === inHeight && outWidth === inWidth
  );
}

/** Whether `filterGradByTaps` applies: `isPaddedBelowRight`, and the FMA GEMM runs [Ci, Co] products. */
export function canFilterGradByTaps(info: ConvInfo): boolean {
  return isPaddedBelowRight(info) && canFmaMatMul(info.inChannels, info.outChannels);
}

/** dW as [KH, KW, Ci, Co] for float32 x and dy (see the file comment). Needs `canFilterGradByTaps`. */
export function filterGradByTaps(x: tf.TensorInfo, dy: tf.TensorInfo, info: ConvInfo, backend: Backend): tf.TensorInfo {
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, filterHeight, filterWidth } = info;
  const pixels = batchSize * h * w;
  const chunk = Math.min(CHUNK_PIXELS, pixels);
  const packing = allocatePacking(backend, [ci, chunk, co]);
  const partial = backend.makeOutput([ci, co], 'float32');
  const masked = backend.makeOutput([chunk, co], 'float32');
  // Views and addresses taken after the allocations (allocating can grow the heap and detach views).
  const xAt = backend.typedArrayFromHeap(x).byteOffset;
  const dyView = backend.typedArrayFromHeap(dy) as Float32Array;
  const maskedView = backend.typedArrayFromHeap(masked) as Float32Array;
  const partialView = backend.typedArrayFromHeap(partial) as Float32Array;
  const sums = new Float64Array(filterHeight * filterWidth * ci * co);
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const shift = kh * w + kw;
      const tap = (kh * filterWidth + kw) * ci * co;
      // pixels from `pixels - shift` on read past x: all of them are in the padding
      for (let first = 0; first < pixels - shift; first += chunk) {
        const rows = Math.min(chunk, pixels - shift - first);
        const dyRows = dyRowsForTap(dyView, maskedView, first, rows, co, h, w, kh, kw);
        const xRows = { at: xAt + (first + shift) * ci * 4, rowStride: 4, columnStride: ci * 4 };
        fmaMultiply(backend, xRows, { at: dyRows.byteOffset, rowStride: co * 4, columnStride: 4 }, [ci, rows, co], partialView.byteOffset, co * 4, packing);
        for (let i = 0; i < ci * co; i++) sums[tap + i]! += partialView[i]!;
      }
    }
  }
  disposeAll(backend, packing.packedA, packing.packedB, partial, masked);
  return backend.makeOutput([filterHeight, filterWidth, ci, co], 'float32', undefined, Float32Array.from(sums));
}

/**
 * dy's rows `first`.. (`rows` of `co` values) as tap (kh, kw) reads them: dy itself for tap
 * (0, 0); otherwise a copy in `scratch` with the rows whose tap falls below or right of the
 * h x w image zeroed.
 */
export function dyRowsForTap(dy: Float32Array, scratch: Float32Array, first: number, rows: number, co: number, h: number, w: number, kh: number, kw: number): Float32Array {
  const own = dy.subarray(first * co, (first + rows) * co);
  if (kh === 0 && kw === 0) return own;
  const masked = scratch.subarray(0, rows * co);
  masked.set(own);
  let column = first % w;
  let row = Math.floor(first / w) % h;
  for (let r = 0; r < rows; r++) {
    if (column + kw >= w || row + kh >= h) masked.fill(0, r * co, (r + 1) * co);
    if (++column === w) {
      column = 0;
      if (++row === h) row = 0;
    }
  }
  return masked;
}
