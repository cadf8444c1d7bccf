/**
 * The filter gradient of a stride-1 'same' convolution (output as big as the input: the study's
 * k=2 convolutions, padded below and right, and the convnet's 3x3 ones, padded 1 all round) as
 * one matrix product per filter tap on the FMA GEMM (fmaGemm.ts). Seeing x and dy as [pixels,
 * channels] matrices, tap (kh, kw) of dW ([Ci, Co]) is x[p + shift]^T dy[p] summed over the
 * output pixels p, with dh = kh - pad top, dw = kw - pad left and shift = dh * W + dw rows; a
 * pixel whose tap falls in the padding (h + dh or w + dw outside the image) reads a zero, so its
 * dy row is zeroed in a copy, and the products run only over the pixels whose row p + shift is
 * one of x's. x is read in place, transposed by the GEMM's packing: no patches are written (they
 * are 4x x, or 9x, here). The products run over CHUNK_PIXELS pixels at a time, so both packed
 * operands stay in cache, and add up in float64. It is faster than XNNPACK's transposed
 * convolution (conv2dBackpropFilter.ts) on each of the study's three convolutions; the chunk
 * size matters little within the range tried (bench/RESULTS.md).
 */
import type { tf } from '../tf.js';
import { allocatePacking, canFmaMatMul, fmaMultiply } from './fmaGemm.js';
import { disposeAll, type WasmKernelArgs } from './stock.js';

type Backend = WasmKernelArgs['backend'];
type ConvInfo = tf.backend_util.Conv2DInfo;

/** Pixels per product: packed x (Ci x 4 B each) and dy (Co x 4 B) stay within L2. */
export const CHUNK_PIXELS = 512;

/**
 * Stride and dilation 1, output as big as the input, and a tap that reads each output pixel's own
 * input pixel (padding above and left smaller than the filter): the shapes the per-tap products
 * handle, 'same' convolutions.
 */
export function isSameStride1(info: ConvInfo): boolean {
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo, inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = info;
  return (
    strideHeight === 1 && strideWidth === 1 && dilationHeight === 1 && dilationWidth === 1 &&
    outHeight === inHeight && outWidth === inWidth && padInfo.top < filterHeight && padInfo.left < filterWidth
  );
}

/** Whether `filterGradByTaps` applies: `isSameStride1`, and the FMA GEMM runs [Ci, Co] products. */
export function canFilterGradByTaps(info: ConvInfo): boolean {
  return isSameStride1(info) && canFmaMatMul(info.inChannels, info.outChannels);
}

/** Tap (kh, kw)'s offset from the output pixel it serves, in rows and columns, and in pixels of the [pixels, channels] matrix. */
export function tapOffset(info: ConvInfo, kh: number, kw: number): { dh: number; dw: number; shift: number } {
  const dh = kh - info.padInfo.top;
  const dw = kw - info.padInfo.left;
  return { dh, dw, shift: dh * info.inWidth + dw };
}

/** The output pixels whose row for a tap `shift` away is one of `pixels` rows: [start, end). */
export function tapRange(pixels: number, shift: number): { start: number; end: number } {
  return { start: Math.max(0, -shift), end: Math.min(pixels, pixels - shift) };
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
      const { dh, dw, shift } = tapOffset(info, kh, kw);
      const tap = (kh * filterWidth + kw) * ci * co;
      // the pixels left out would read before or past x: all of them are in the padding
      const { start, end } = tapRange(pixels, shift);
      for (let first = start; first < end; first += chunk) {
        const rows = Math.min(chunk, end - first);
        const dyRows = dyRowsForTap(dyView, maskedView, first, rows, co, h, w, dh, dw);
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
 * dy's rows `first`.. (`rows` of `co` values) as the tap (dh, dw) away from each pixel reads
 * them: dy itself for the tap at the pixel (0, 0); otherwise a copy in `scratch` with the rows
 * whose tap falls outside the h x w image zeroed.
 */
export function dyRowsForTap(dy: Float32Array, scratch: Float32Array, first: number, rows: number, co: number, h: number, w: number, dh: number, dw: number): Float32Array {
  const own = dy.subarray(first * co, (first + rows) * co);
  if (dh === 0 && dw === 0) return own;
  const masked = scratch.subarray(0, rows * co);
  masked.set(own);
  let column = first % w;
  let row = Math.floor(first / w) % h;
  for (let r = 0; r < rows; r++) {
    const c = column + dw;
    const y = row + dh;
    if (c < 0 || c >= w || y < 0 || y >= h) masked.fill(0, r * co, (r + 1) * co);
    if (++column === w) {
      column = 0;
      if (++row === h) row = 0;
    }
  }
  return masked;
}
