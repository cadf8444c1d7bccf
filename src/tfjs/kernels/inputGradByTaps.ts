/**
 * The input gradient of the convolutions filterGradByTaps.ts handles (stride 1, 'same'), as FMA
 * products per filter tap: with x and dy seen as [pixels, channels] matrices,
 * dx[q + shift] += dy[q] W[kh, kw]^T for the tap's shift (tapOffset), where a dy row whose tap
 * falls in the padding counts zero (it read no pixel of x). The tap at the pixel itself (shift
 * 0) goes first and writes every row of dx; the others add to it in the GEMM's store
 * ('accumulate'). It is faster than the convolution form (conv2dBackpropInput.ts, XNNPACK) on
 * each of the study's three convolutions (bench/RESULTS.md).
 */
import type { tf } from '../tf.js';
import { allocatePacking, canFmaMatMul, fmaMultiply } from './fmaGemm.js';
import { CHUNK_PIXELS, dyRowsForTap, isSameStride1, tapOffset, tapRange } from './filterGradByTaps.js';
import { disposeAll, type WasmKernelArgs } from './stock.js';

type Backend = WasmKernelArgs['backend'];
type ConvInfo = tf.backend_util.Conv2DInfo;

/** Rows of a block of the GEMM: accumulated products take whole blocks, the rest is added here. */
const BLOCK_ROWS = 4;

/** Whether `inputGradByTaps` applies: `isSameStride1`, and input channels in whole panels of 8. */
export function canInputGradByTaps(info: ConvInfo): boolean {
  return isSameStride1(info) && info.inChannels % 8 === 0 && canFmaMatMul(BLOCK_ROWS, info.inChannels);
}

/** dx [N, H, W, Ci] for float32 dy and filter [KH, KW, Ci, Co]. Needs `canInputGradByTaps`. */
export function inputGradByTaps(dy: tf.TensorInfo, filter: tf.TensorInfo, info: ConvInfo, backend: Backend): tf.TensorInfo {
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, filterHeight, filterWidth } = info;
  const pixels = batchSize * h * w;
  const chunk = Math.min(CHUNK_PIXELS, pixels);
  const dx = backend.makeOutput([batchSize, h, w, ci], 'float32');
  const packing = allocatePacking(backend, [chunk, co, ci]);
  const masked = backend.makeOutput([chunk, co], 'float32');
  // Views and addresses taken after the allocations (allocating can grow the heap and detach views).
  const dxView = backend.typedArrayFromHeap(dx) as Float32Array;
  const dyView = backend.typedArrayFromHeap(dy) as Float32Array;
  const filterView = backend.typedArrayFromHeap(filter) as Float32Array;
  const maskedView = backend.typedArrayFromHeap(masked) as Float32Array;
  // the tap at the pixel itself first: it covers every row of dx and writes it
  const { top, left } = info.padInfo;
  const taps = Array.from({ length: filterHeight * filterWidth }, (_, t) => [Math.floor(t / filterWidth), t % filterWidth] as const)
    .sort(([ah, aw], [bh, bw]) => Number(bh === top && bw === left) - Number(ah === top && aw === left));
  for (const [kh, kw] of taps) {
    const { dh, dw, shift } = tapOffset(info, kh, kw);
    const tap = (kh * filterWidth + kw) * ci * co;
    // W[kh, kw]^T as B [Co, Ci]: element (o, i) at tap + i * Co + o
    const weights = { at: filterView.byteOffset + tap * 4, rowStride: 4, columnStride: co * 4 };
    const { start, end } = tapRange(pixels, shift);
    for (let first = start; first < end; first += chunk) {
      const rows = Math.min(chunk, end - first);
      const dyRows = dyRowsForTap(dyView, maskedView, first, rows, co, h, w, dh, dw);
      const out = (first + shift) * ci;
      const a = { at: dyRows.byteOffset, rowStride: co * 4, columnStride: 4 };
      if (shift === 0) {
        // the tap at the pixel covers every row and writes it (its last block may overlap the one before)
        if (rows >= BLOCK_ROWS) {
          fmaMultiply(backend, a, weights, [rows, co, ci], dxView.byteOffset + out * 4, ci * 4, packing);
        } else {
          dxView.fill(0, out, out + rows * ci);
          addRows(dxView, out, dyRows, filterView, tap, 0, rows, ci, co);
        }
      } else {
        const whole = rows - (rows % BLOCK_ROWS);
        if (whole > 0) fmaMultiply(backend, a, weights, [whole, co, ci], dxView.byteOffset + out * 4, ci * 4, packing, 'accumulate');
        addRows(dxView, out, dyRows, filterView, tap, whole, rows, ci, co);
      }
    }
  }
  disposeAll(backend, packing.packedA, packing.packedB, masked);
  return dx;
}

/** dx[row out / ci + r] += dy[r] W_tap^T for rows r in [from, to) (the few the GEMM's whole blocks leave); `out` counts floats. */
function addRows(dx: Float32Array, out: number, dy: Float32Array, filter: Float32Array, tap: number, from: number, to: number, ci: number, co: number): void {
  for (let r = from; r < to; r++) {
    for (let i = 0; i < ci; i++) {
      let sum = 0;
      for (let o = 0; o < co; o++) sum += dy[r * co + o]! * filter[tap + i * co + o]!;
      dx[out + r * ci + i]! += sum;
    }
  }
}
