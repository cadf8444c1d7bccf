import { createMemory } from '../wasm/wasmModule.js';
import { BATCH, bindHistogramKernels, SCAN_BEST, SLOT_BYTES, SLOTS, VALUES, type HistogramKernels } from './histogramKernels.js';
import type { PixelMatrix } from './pixelMatrix.js';

/**
 * A node of at most this many samples, whose parent had more, copies its samples' rows (784
 * bytes each) into one compact buffer that it and its whole subtree then read (depth-first
 * growth finishes a subtree before any other node): ~1.5 MB that stays in cache, read at a few
 * pages instead of a cache and TLB miss per sample and feature in the 37 MB row-major copy.
 * Bigger nodes read the feature-major copy, where one feature's values are contiguous.
 * (Measured on one forest tree with the JavaScript fill of an earlier version: 2,048 beat
 * 1,024 and 3,072; with the WebAssembly kernels, in-process A/B, 1,024 and 4,096 were no better.)
 */
export const ROWS_BELOW = 2048;

/** The samples of a tree in node order (a node is `[start, end)`), with their labels and weights alongside. */
export interface NodeOrder {
  /** sample indexes; inside a node whose rows were gathered, positions in the gathered copy */
  order: Int32Array;
  labels: Uint8Array;
  weights: Uint16Array;
}

/**
 * Everything the histogram kernels read and write, in one WebAssembly memory (wasm code
 * addresses only its own memory): a copy of a PixelMatrix and the scratch of one tree's growth,
 * sized for a tree over all its samples. A view's `byteOffset` is its address for the kernels.
 * One grower at a time uses it: fits are synchronous, one per thread.
 */
export interface TreeMemory {
  /** the copy of the matrix */
  x: PixelMatrix;
  /** the growing tree's samples in node order (capacity: every sample) */
  node: NodeOrder;
  /** where a partition puts the right side before copying it back */
  spare: NodeOrder;
  /** the rows of the small node being searched (see ROWS_BELOW) */
  gathered: Uint8Array;
  /** BATCH histograms, one per feature of a batch, each `(value << 4) | class` */
  hist: Uint16Array;
  /**
   * BATCH x 256 marks of the values present (0xff, else 0): the scan visits only those, in
   * order, instead of testing 256 bins whose emptiness the branch predictor cannot guess
   */
  seen: Uint8Array;
  /** the scan's class counts, left then the node's totals, and its best proxy (see HistogramKernels.scan) */
  counts: Float64Array;
  kernels: HistogramKernels;
}

const memories = new WeakMap<PixelMatrix, TreeMemory>();

/**
 * The tree memory of `x` in this thread, made (copying the matrix) the first time `x` is
 * used: keep the same PixelMatrix object to fit many trees on it.
 */
export function treeMemoryFor(x: PixelMatrix): TreeMemory {
  let memory = memories.get(x);
  if (!memory) memories.set(x, (memory = createTreeMemory(x)));
  return memory;
}

function createTreeMemory(x: PixelMatrix): TreeMemory {
  const n = x.sampleCount;
  const values = x.byFeature.length;
  // each array at a 64-byte boundary
  const sizes = {
    counts: (SCAN_BEST + 1) * 8,
    hist: BATCH * SLOT_BYTES.hist,
    seen: BATCH * SLOT_BYTES.seen,
    order: n * 4,
    spareOrder: n * 4,
    weights: n * 2,
    spareWeights: n * 2,
    labels: n,
    spareLabels: n,
    byFeature: values,
    byRow: values,
    gathered: Math.min(ROWS_BELOW, n) * x.featureCount,
  };
  const at: Record<string, number> = {};
  let total = 0;
  for (const [name, bytes] of Object.entries(sizes)) {
    at[name] = total;
    total += Math.ceil(bytes / 64) * 64;
  }
  const wasm = createMemory(total);
  const { buffer } = wasm;
  const view = <T>(Kind: new (b: ArrayBufferLike, offset: number, length: number) => T, name: keyof typeof sizes, length: number) => new Kind(buffer, at[name]!, length);
  const byFeature = view(Uint8Array, 'byFeature', values);
  const byRow = view(Uint8Array, 'byRow', values);
  byFeature.set(x.byFeature);
  byRow.set(x.byRow);
  const kernels = bindHistogramKernels(wasm);
  return {
    x: { byFeature, byRow, sampleCount: n, featureCount: x.featureCount },
    node: { order: view(Int32Array, 'order', n), labels: view(Uint8Array, 'labels', n), weights: view(Uint16Array, 'weights', n) },
    spare: { order: view(Int32Array, 'spareOrder', n), labels: view(Uint8Array, 'spareLabels', n), weights: view(Uint16Array, 'spareWeights', n) },
    gathered: view(Uint8Array, 'gathered', sizes.gathered),
    hist: view(Uint16Array, 'hist', BATCH * SLOTS),
    seen: view(Uint8Array, 'seen', BATCH * VALUES),
    counts: view(Float64Array, 'counts', SCAN_BEST + 1),
    kernels,
  };
}
