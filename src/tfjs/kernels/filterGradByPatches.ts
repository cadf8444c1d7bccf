/**
 * The filter gradient of a stride-1 NHWC convolution as one matrix product over explicit
 * patches: dW^T[co, (kh,kw,ci)] = sum over output pixels p of dy[p][co] * patch[p][(kh,kw,ci)].
 * dy is transposed to [Co, pixels] by the stock kernel and multiplied untransposed by the
 * patches ([pixels, KH*KW*Ci], written here), the one form in which the stock BatchMatMul is
 * fast (XNNPACK). XNNPACK repacks its right operand on every call, so this pays off when the
 * patches are small next to dy: the study's first convolution (1 input channel, 64 filters)
 * takes much less than the transposed convolution of conv2dBackpropFilter.ts; with 64 input
 * channels the patches are 4x dy and the convolution form stays faster (bench/RESULTS.md). Narrow
 * patches (up to SIMD_MAX_ROWS values) skip the transpose and the product: a WebAssembly SIMD
 * loop accumulates patches^T dy directly (assembly/patchesTimesDy.ts): one read of dy, no
 * transposes and no packing.
 */
import type { tf } from '../tf.js';
import { disposeAll, runStock, withShape, type WasmKernelArgs } from './stock.js';
import { WasmModule } from '../../wasm/wasmModule.js';

type ConvInfo = tf.backend_util.Conv2DInfo;

/**
 * accumulate(patches, dy, sums, pixels, rows, channelBytes): byte addresses; adds into sums
 * ([rows, Co] float32); channelBytes = Co * 4, a multiple of 16.
 */
type Accumulate = (patches: number, dy: number, sums: number, pixels: number, rows: number, channelBytes: number) => void;

const PATCHES_TIMES_DY = new WasmModule(new URL('./assembly/patchesTimesDy.wasm', import.meta.url));

/** dW as [KH, KW, Ci, Co] for a stride-1, dilation-1 convolution described by `info`. */
export function filterGradByPatches(x: tf.TensorInfo, dy: tf.TensorInfo, info: ConvInfo, backend: WasmKernelArgs['backend']): tf.TensorInfo {
  const { batchSize, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = info;
  const pixels = batchSize * outHeight * outWidth;
  const columns = filterHeight * filterWidth * inChannels;
  const patches = backend.makeOutput([pixels, columns], 'float32');
  // Views taken after makeOutput: allocating can grow the wasm heap and detach older views.
  writePatches(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(patches) as Float32Array, info);
  if (outChannels % 4 === 0 && columns <= SIMD_MAX_ROWS) {
    const grad = bySimd(patches, dy, pixels, columns, outChannels, PATCHES_TIMES_DY.bindToBackend<{ accumulate: Accumulate }>(backend).accumulate, backend);
    disposeAll(backend, patches);
    grad.shape = [filterHeight, filterWidth, inChannels, outChannels];
    return grad;
  }
  const dyT = runStock('Transpose', backend, { x: withShape(dy, [pixels, outChannels]) }, { perm: [1, 0] });
  const gradT = runStock('BatchMatMul', backend, { a: dyT, b: patches }, { transposeA: false, transposeB: false });
  const grad = runStock('Transpose', backend, { x: gradT }, { perm: [1, 0] });
  disposeAll(backend, patches, dyT, gradT);
  grad.shape = [filterHeight, filterWidth, inChannels, outChannels];
  return grad;
}

/** Patch widths (KH*KW*Ci) up to this take the SIMD loop: its sums stay in L1 cache. */
const SIMD_MAX_ROWS = 16;
/** Pixels per SIMD call: float32 sums over at most this many terms, then float64. */
const CHUNK_PIXELS = 1024;

/** patches^T dy ([columns, Co]) by the SIMD loop, in chunks of pixels added in float64. */
function bySimd(
  patches: tf.TensorInfo, dy: tf.TensorInfo, pixels: number, columns: number, channels: number, accumulate: Accumulate,
  backend: WasmKernelArgs['backend'],
): tf.TensorInfo {
  const partial = backend.makeOutput([columns, channels], 'float32');
  // Views and addresses taken after the allocation (allocating can grow the heap).
  const partialView = backend.typedArrayFromHeap(partial) as Float32Array;
  const patchesAt = backend.typedArrayFromHeap(patches).byteOffset;
  const dyAt = backend.typedArrayFromHeap(dy).byteOffset;
  const channelBytes = channels * Float32Array.BYTES_PER_ELEMENT;
  const sums = new Float64Array(columns * channels);
  for (let first = 0; first < pixels; first += CHUNK_PIXELS) {
    partialView.fill(0);
    const count = Math.min(CHUNK_PIXELS, pixels - first);
    accumulate(patchesAt + first * columns * 4, dyAt + first * channelBytes, partialView.byteOffset, count, columns, channelBytes);
    for (let i = 0; i < sums.length; i++) sums[i]! += partialView[i]!;
  }
  backend.disposeData(partial.dataId);
  return backend.makeOutput([columns, channels], 'float32', undefined, Float32Array.from(sums));
}

/** patches[pixel][(kh*KW + kw)*Ci + ci] = x[image, oh - top + kh, ow - left + kw, ci], 0 outside x. */
function writePatches(x: Float32Array, patches: Float32Array, info: ConvInfo): void {
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight, outWidth, filterHeight, filterWidth, padInfo } = info;
  let dst = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh - padInfo.top + kh;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow - padInfo.left + kw;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
              for (let c = 0; c < ci; c++) patches[dst++] = 0;
            } else {
              const src = ((b * h + ih) * w + iw) * ci;
              for (let c = 0; c < ci; c++) patches[dst++] = x[src + c]!;
            }
          }
        }
      }
    }
  }
}
