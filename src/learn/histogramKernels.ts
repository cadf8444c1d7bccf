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
 * The module's exports, byte addresses but for counts and strides; each is documented at its
 * source in assembly/histogram.ts. 16-bit counts keep four histograms in 32 KB, inside the L1
 * data cache with their marks, so the learner takes at most MAX_TOTAL_WEIGHT (weighted) samples
 * per tree.
 */
export interface HistogramKernels {
  fill4(v0: number, v1: number, v2: number, v3: number, sampleStep: number, order: number, labels: number, weights: number, count: number, hist: number, seen: number): void;
  fill1(v0: number, sampleStep: number, order: number, labels: number, weights: number, count: number, hist: number, seen: number): void;
  /** returns the best threshold or -1; leaves the best proxy at float64 `counts[SCAN_BEST]` */
  scan(hist: number, seen: number, counts: number, rightSqStart: number, totalWeight: number, best: number): number;
  gather(rows: number, order: number, count: number, width: number, gathered: number): void;
  /** 1 or 0 */
  isConstant(column: number, sampleStep: number, order: number, count: number): number;
}

const MODULE = new WasmModule(new URL('./assembly/histogram.wasm', import.meta.url));

/** The histogram kernels bound to `memory`. Throws a WasmModuleError when they cannot be. */
export function bindHistogramKernels(memory: WasmMemory): HistogramKernels {
  return MODULE.bind<HistogramKernels>(memory);
}
