/**
 * The split search's loops as WebAssembly (source: assembly/histogram.ts), bound to a tree
 * memory (treeMemory.ts). The fill: for each sample of a node, its weight is added to the
 * (value, class) slot of each feature's histogram, and the value is marked seen (the marks the
 * scan walks). The scan: the histogram's values in order, each threshold's Gini proxy (see
 * splitSearch.ts). The fill is most of a tree's fit, and V8's JavaScript for it pays typed-array
 * bounds checks and element-kind guards on every increment; the wasm loop over the same arrays
 * does not.
 */
import { WasmModule, type WasmMemory } from '../wasm/wasmModule.js';
import { HIST_BYTES, SEEN_BYTES } from './histogramLayout.js';

export { BATCH, MAX_CLASSES, SCAN_BEST, SLOTS, VALUES } from './histogramLayout.js';

/** Bytes of one feature's histogram (uint16 counts) and marks of the values present (a byte each): a batch slot's strides. */
export const SLOT_BYTES = { hist: HIST_BYTES, seen: SEEN_BYTES } as const;
/** The most a tree's sample weights may sum to: a histogram count is a uint16. */
export const MAX_TOTAL_WEIGHT = 0xffff;

/**
 * `fill4(v0, v1, v2, v3, sampleStep, order, labels, weights, count, hist, seen)` and
 * `fill1(v0, ...)`, all byte addresses but `sampleStep` and `count`: for the `count` samples at
 * `order` (int32 sample indexes, with uint8 labels and uint16 weights alongside), feature j's
 * value of sample s is the byte at `vj + s * sampleStep`; its weight goes to uint16
 * `hist[j * SLOTS + (value << 4 | label)]` and byte `seen[j * VALUES + value]` is set to 0xff.
 *
 * 16-bit counts keep the four histograms in 32 KB, inside the L1 data cache with the marks. The
 * learner therefore takes at most MAX_TOTAL_WEIGHT (weighted) samples per tree.
 */
export interface HistogramKernels {
  fill4(v0: number, v1: number, v2: number, v3: number, sampleStep: number, order: number, labels: number, weights: number, count: number, hist: number, seen: number): void;
  fill1(v0: number, sampleStep: number, order: number, labels: number, weights: number, count: number, hist: number, seen: number): void;
  /**
   * One feature's histogram (at `hist`, `seen`) scanned and cleared. `counts`
   * holds float64 class counts: left (zeroed here) at [0, 16), the node's totals at [16, 32).
   * Returns the threshold of the best proxy over `best`, or -1, and leaves that proxy at
   * float64 `counts[SCAN_BEST]`.
   */
  scan(hist: number, seen: number, counts: number, rightSqStart: number, totalWeight: number, best: number): number;
  /**
   * Copies the `width`-byte rows of the `count` samples at `order` from `rows` to consecutive
   * rows at `gathered`, and renumbers `order` 0, 1, .. (the samples' rows there).
   */
  gather(rows: number, order: number, count: number, width: number, gathered: number): void;
  /** 1 when the byte at `column + s * sampleStep` is the same for every one of the `count` samples s at `order`, else 0. */
  isConstant(column: number, sampleStep: number, order: number, count: number): number;
}

const MODULE = new WasmModule(new URL('./assembly/histogram.wasm', import.meta.url));

/** The histogram kernels bound to `memory`. Throws a WasmModuleError when they cannot be. */
export function bindHistogramKernels(memory: WasmMemory): HistogramKernels {
  return MODULE.bind<HistogramKernels>(memory);
}
