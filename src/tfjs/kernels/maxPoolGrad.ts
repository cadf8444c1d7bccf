/**
 * MaxPoolGrad for wasm as one pass over the pooling windows. Each window's dy goes to the
 * first position (row-major) holding the window's maximum, the cpu backend's rule, which
 * matters for ReLU outputs where whole windows are 0. The maximum is the kernel's `output`
 * input (the forward MaxPool result), so no search is needed: a position takes what is left
 * of dy when it equals the maximum, which leaves 0 for later ties without a branch. The
 * stock kernel is a large share of a CNN step; this is several times faster. The study's 2x2
 * windows with a multiple of 4 channels go through a WebAssembly SIMD loop instead
 * (assembly/maxPoolGrad.ts: 4 channels per instruction, in place on the backend's memory), same
 * rule, several times faster again.
 */
import { tf } from '../tf.js';
import { tookPath } from './kernelPaths.js';
import { runStock, type WasmKernelArgs } from './stock.js';
import { WasmModule } from '../../wasm/wasmModule.js';

type PoolInfo = ReturnType<typeof tf.backend_util.computePool2DInfo>;
interface Views { x: Float32Array; y: Float32Array; dy: Float32Array; dx: Float32Array }

/** scatter2x2Row(x0, x1, y, dy, dx0, dx1, windows, channelBytes): byte addresses in the heap. */
type ScatterRow = (x0: number, x1: number, y: number, dy: number, dx0: number, dx1: number, windows: number, channelBytes: number) => void;

const SCATTER = new WasmModule(new URL('./assembly/maxPoolGrad.wasm', import.meta.url));

/** The SIMD row scatter bound to `backend`'s memory. */
export function simdScatterRow(backend: WasmKernelArgs['backend']): ScatterRow {
  return SCATTER.bindToBackend<{ scatter2x2Row: ScatterRow }>(backend).scatter2x2Row;
}

/** Kernel function: dx = dy given to each window's first maximum, summed where windows overlap. */
export function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, input, output } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  if (input.dtype !== 'float32') {
    tookPath('MaxPoolGrad', 'stock');
    return runStock('MaxPoolGrad', backend, inputs, attrs);
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode,
  );
  const out = backend.makeOutput(input.shape, 'float32');
  // Views taken after makeOutput: allocating can grow the wasm heap and detach older views.
  const views: Views = {
    x: backend.typedArrayFromHeap(input) as Float32Array,
    y: backend.typedArrayFromHeap(output) as Float32Array,
    dy: backend.typedArrayFromHeap(dy) as Float32Array,
    dx: backend.typedArrayFromHeap(out) as Float32Array,
  };
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const tiled2x2 = filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 &&
    padInfo.top === 0 && padInfo.left === 0;
  if (tiled2x2 && info.inChannels % 4 === 0) {
    tookPath('MaxPoolGrad', 'simd 2x2');
    scatter2x2Simd(info, views, simdScatterRow(backend));
  } else if (tiled2x2) {
    tookPath('MaxPoolGrad', 'scalar 2x2');
    scatter2x2(info, views);
  } else {
    tookPath('MaxPoolGrad', 'any window');
    scatterAnyWindow(info, views);
  }
  return out;
}

/** Non-overlapping 2x2 windows at stride 2 (the study's MaxPool 2): each dx written once. */
function scatter2x2(info: PoolInfo, { x, y, dy, dx }: Views): void {
  const { inHeight: h, inWidth: w, inChannels: ch, outHeight, outWidth } = info;
  // An odd last row or column belongs to no window: its gradient is 0.
  if (outHeight * 2 !== h || outWidth * 2 !== w) dx.fill(0);
  const row = w * ch;
  let o = 0;
  for (let b = 0; b < info.batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const base = ((b * h + oh * 2) * w + ow * 2) * ch;
        for (let c = 0; c < ch; c++, o++) {
          const max = y[o]!;
          const i0 = base + c;
          const i1 = i0 + ch;
          const i2 = i0 + row;
          const i3 = i2 + ch;
          let rest = dy[o]!;
          let t = x[i0] === max ? rest : 0;
          dx[i0] = t;
          rest -= t;
          t = x[i1] === max ? rest : 0;
          dx[i1] = t;
          rest -= t;
          t = x[i2] === max ? rest : 0;
          dx[i2] = t;
          rest -= t;
          dx[i3] = x[i3] === max ? rest : 0;
        }
      }
    }
  }
}

/** scatter2x2 with 4 channels per instruction, one call per output row (addresses in bytes). */
function scatter2x2Simd(info: PoolInfo, { x, y, dy, dx }: Views, scatterRow: ScatterRow): void {
  const { inHeight: h, inWidth: w, inChannels: ch, outHeight, outWidth } = info;
  if (outHeight * 2 !== h || outWidth * 2 !== w) dx.fill(0);
  const channelBytes = ch * Float32Array.BYTES_PER_ELEMENT;
  const inRowBytes = w * channelBytes;
  const outRowBytes = outWidth * channelBytes;
  for (let b = 0; b < info.batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const inRow = (b * h + oh * 2) * inRowBytes;
      const outRow = (b * outHeight + oh) * outRowBytes;
      scatterRow(
        x.byteOffset + inRow, x.byteOffset + inRow + inRowBytes, y.byteOffset + outRow, dy.byteOffset + outRow,
        dx.byteOffset + inRow, dx.byteOffset + inRow + inRowBytes, outWidth, channelBytes,
      );
    }
  }
}

/** Any window size, stride and padding; windows may overlap, so contributions add up. */
function scatterAnyWindow(info: PoolInfo, { x, y, dy, dx }: Views): void {
  const { inHeight: h, inWidth: w, inChannels: ch, outHeight, outWidth, padInfo } = info;
  dx.fill(0);
  const starts = new Int32Array(info.filterHeight * info.filterWidth);
  let o = 0;
  for (let b = 0; b < info.batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * info.strideHeight - padInfo.top;
      for (let ow = 0; ow < outWidth; ow++) {
        const left = ow * info.strideWidth - padInfo.left;
        let n = 0;
        for (let r = Math.max(0, top); r < Math.min(h, top + info.filterHeight); r++) {
          for (let c = Math.max(0, left); c < Math.min(w, left + info.filterWidth); c++) {
            starts[n++] = ((b * h + r) * w + c) * ch;
          }
        }
        for (let c = 0; c < ch; c++, o++) {
          const max = y[o]!;
          let rest = dy[o]!;
          for (let k = 0; k < n; k++) {
            const i = starts[k]! + c;
            const t = x[i] === max ? rest : 0;
            dx[i]! += t;
            rest -= t;
          }
        }
      }
    }
  }
}
