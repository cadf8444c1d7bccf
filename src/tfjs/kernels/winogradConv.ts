/**
 * 3x3 'same' convolutions, stride 1, by Winograd's F(4x4, 3x3) (source: assembly/winograd.ts):
 * 4x fewer multiply-adds than the direct form on whole tiles, run on the FMA GEMM's tile loop.
 * The convnet's convolutions after the first (32 to 160 channels) go this way: forward
 * (fusedConv2d.ts), for their input gradient (conv2dBackpropInput.ts), which is the same
 * convolution of dy with the filter turned by 180 degrees and its channel axes swapped, and for
 * their filter gradient (conv2dBackpropFilter.ts), the products of the transformed input and
 * output gradient summed over the tiles. A convnet step took less time with F(4x4, 3x3) than with
 * F(2x2, 3x3) (bench/RESULTS.md): its 7x7 and 3x3 layers fill whole 4x4 tiles worse, but such a
 * tile still needs fewer products per output. The larger coefficients of its transforms (up to 8)
 * cost a little precision: results agree with the direct form to a few parts in a million.
 */
import type { tf } from '../tf.js';
import { WasmModule } from '../../wasm/wasmModule.js';
import { disposeAll, type WasmKernelArgs } from './stock.js';

type Backend = WasmKernelArgs['backend'];
type ConvInfo = tf.backend_util.Conv2DInfo;

interface Exports {
  transformFilter(g: number, cStride: number, kStride: number, flip: boolean, c: number, k: number, u: number, scratch: number): void;
  padInput(x: number, n: number, h: number, w: number, c: number, xp: number): void;
  convolve(
    xp: number, n: number, h: number, w: number, c: number, u: number, k: number, y: number, biasAt: number, relu: boolean, v: number, m: number, tc: number,
    scratch: number,
  ): void;
  filterGradient(
    xp: number, n: number, h: number, w: number, c: number, dy: number, k: number, du: number, v: number, dyt: number, tc: number, out: number, scratch: number,
  ): void;
  filterGradientDirect(xp: number, n: number, h: number, w: number, c: number, dy: number, k: number, out: number): void;
}

const MODULE = new WasmModule(new URL('./assembly/winograd.wasm', import.meta.url));

/** Output pixels along a tile's side, points of a tile's 6x6 transform, and tiles per block of the GEMM's packed A. */
const TILE = 4;
const POINTS = 36;
const BLOCK_TILES = 4;
/** Floats of the scratch the 2D transforms pass through (40 vectors of 4: assembly/winograd.ts). */
const SCRATCH_FLOATS = 160;
/**
 * Bytes of transformed input and products per chunk of tiles (V and M: 36 x tiles x channels
 * each), so they stay in cache between the transforms and the products. At the convnet's
 * channel counts this makes chunks of 4 to 24 tiles; chunks of 32 tiles or more were slower
 * (bench/RESULTS.md).
 */
const CHUNK_BYTES = 256 * 1024;

/** A 3x3 NHWC convolution with stride and dilation 1, padded by 1 on every side (so 'same'). */
function isSame3x3(info: ConvInfo): boolean {
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  return (
    filterHeight === 3 && filterWidth === 3 && strideHeight === 1 && strideWidth === 1 && dilationHeight === 1 && dilationWidth === 1 &&
    padInfo.top === 1 && padInfo.bottom === 1 && padInfo.left === 1 && padInfo.right === 1 && info.dataFormat === 'channelsLast'
  );
}

/**
 * Whether `winogradConv` computes a convolution of this geometry (`isSame3x3`) from c to k
 * channels: c in whole vectors of 4 and k in whole panels of 8 (the GEMM's tile). (The input
 * gradient runs from the forward's output channels to its input channels.)
 */
export function canWinograd(info: ConvInfo, c: number, k: number): boolean {
  return isSame3x3(info) && c % 4 === 0 && k % 8 === 0;
}

/** Whether `directFilterGrad` applies: `isSame3x3`, output channels in whole vectors of 4. */
export function canDirectFilterGrad(info: ConvInfo): boolean {
  return isSame3x3(info) && info.outChannels % 4 === 0;
}

/** How to read the filter [3, 3, Ci, Co] for a convolution from C to K channels. */
export interface FilterView {
  /** bytes between consecutive input channels (C) and output channels (K) of one tap */
  cStride: number;
  kStride: number;
  /** read tap 8 - t for tap t: the filter turned by 180 degrees */
  flip: boolean;
}

/** The forward convolution's view of its filter [3, 3, C, K]. */
export const forwardFilter = (k: number): FilterView => ({ cStride: k * 4, kStride: 4, flip: false });

/** The input gradient's view of the forward filter [3, 3, Ci, Co]: from dy's Co channels to Ci, turned. */
export const inputGradFilter = (co: number): FilterView => ({ cStride: 4, kStride: co * 4, flip: true });

/**
 * y [N, H, W, K] = the 3x3 'same' convolution of float32 x [N, H, W, C] with `filter` read
 * through `view`, then + bias (K values) and relu where given. Needs `canWinograd` of the
 * convolution from C to K channels.
 */
export function winogradConv(
  backend: Backend, x: tf.TensorInfo, filter: tf.TensorInfo, view: FilterView, k: number, bias?: tf.TensorInfo, relu = false,
): tf.TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const tc = chunkTiles(x.shape, c, k, BLOCK_TILES);
  const wasm = MODULE.bindToBackend<Exports>(backend);
  const at = addressOf(backend);
  const y = backend.makeOutput([n, h, w, k], 'float32');
  const xp = paddedInput(backend, wasm, x);
  const scratch = passScratch(backend, c, k, tc);
  const [u, v, m, transforms] = scratch.map(at) as [number, number, number, number];
  wasm.transformFilter(at(filter), view.cStride, view.kStride, view.flip, c, k, u, transforms);
  wasm.convolve(at(xp), n, h, w, c, u, k, at(y), bias ? at(bias) : 0, relu, v, m, tc, transforms);
  disposeAll(backend, xp, ...scratch);
  return y;
}

/**
 * dW [3, 3, C, K] of the 3x3 'same' convolution of float32 x [N, H, W, C] whose output gradient
 * is dy [N, H, W, K]: the products of the transformed input and output gradient, summed over
 * the tiles, carried back to the filter's 3x3. Needs `canWinograd` of the convolution.
 */
export function winogradFilterGrad(backend: Backend, x: tf.TensorInfo, dy: tf.TensorInfo): tf.TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const k = dy.shape[3]!;
  const tc = chunkTiles(x.shape, c, k, 1);
  const wasm = MODULE.bindToBackend<Exports>(backend);
  const at = addressOf(backend);
  const dw = backend.makeOutput([3, 3, c, k], 'float32');
  const xp = paddedInput(backend, wasm, x);
  const scratch = passScratch(backend, c, k, tc);
  const [du, v, dyt, transforms] = scratch.map(at) as [number, number, number, number];
  wasm.filterGradient(at(xp), n, h, w, c, at(dy), k, du, v, dyt, tc, at(dw), transforms);
  disposeAll(backend, xp, ...scratch);
  return dw;
}

/**
 * dW [3, 3, C, K] of the 3x3 'same' convolution of float32 x [N, H, W, C] whose output gradient
 * is dy [N, H, W, K], by the direct form: for inputs with fewer channels than Winograd's products
 * need (the convnet's first convolution, from one channel), where explicit patches
 * (filterGradByPatches.ts) took longer (bench/RESULTS.md). Needs `canDirectFilterGrad`.
 */
export function directFilterGrad(backend: Backend, x: tf.TensorInfo, dy: tf.TensorInfo): tf.TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const k = dy.shape[3]!;
  const wasm = MODULE.bindToBackend<Exports>(backend);
  const at = addressOf(backend);
  const dw = backend.makeOutput([3, 3, c, k], 'float32');
  const xp = paddedInput(backend, wasm, x);
  wasm.filterGradientDirect(at(xp), n, h, w, c, at(dy), k, at(dw));
  disposeAll(backend, xp);
  return dw;
}

/** Tiles per chunk: V and M (36 values per tile and channel each) within CHUNK_BYTES, in whole multiples of `multiple`, no more than the tiles there are. */
function chunkTiles(shape: number[], c: number, k: number, multiple: number): number {
  const [n, h, w] = shape as [number, number, number];
  const tiles = n * Math.ceil(h / TILE) * Math.ceil(w / TILE);
  const byBytes = Math.floor(CHUNK_BYTES / (POINTS * (c + k) * 4 * multiple)) * multiple;
  return Math.max(multiple, Math.min(byBytes, Math.ceil(tiles / multiple) * multiple));
}

/** x padded to whole tiles plus one row and column on each side (assembly/winograd.ts, padInput), as a new heap tensor. */
function paddedInput(backend: Backend, wasm: Exports, x: tf.TensorInfo): tf.TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const padded = (size: number) => Math.ceil(size / TILE) * TILE + 2;
  const xp = backend.makeOutput([n * padded(h) * padded(w) * c], 'float32');
  const at = addressOf(backend);
  wasm.padInput(at(x), n, h, w, c, at(xp));
  return xp;
}

/**
 * Heap space for one Winograd pass over chunks of `tc` tiles from c to k channels: the 36
 * points of the transformed filter (or of its gradient), V, M (or the transformed dy), and the
 * scratch of the 2D transforms.
 */
function passScratch(backend: Backend, c: number, k: number, tc: number): tf.TensorInfo[] {
  return [POINTS * c * k, POINTS * tc * c, POINTS * tc * k, SCRATCH_FLOATS].map((size) => backend.makeOutput([size], 'float32'));
}

/** A tensor's byte address in the heap (take it after the allocations: allocating can grow the heap and detach views). */
const addressOf = (backend: Backend) => (t: tf.TensorInfo): number => backend.typedArrayFromHeap(t).byteOffset;
