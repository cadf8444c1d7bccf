/**
 * The boosting learner's histogram loops as WebAssembly SIMD (source: assembly/histogram.ts),
 * bound to a boost memory (boostMemory.ts). Building a node's gradient and hessian histograms is
 * most of a tree's fit: V8's JavaScript for it pays typed-array bounds checks on every bin and
 * adds one number at a time, where the kernel adds a row's (g, h, 1, 0) to a bin in one SIMD add.
 */
import { WasmModule, type WasmMemory } from '../wasm/wasmModule.js';

/** The module's exports; addresses are byte addresses in the boost memory, each documented at its source in assembly/histogram.ts. */
export interface BoostKernels {
  build(
    x: number, featureStride: number, rowStride: number, order: number, count: number, gh: number, features: number, nFeatures: number, hist: number,
    scan: number, best: number, sumGrad: number, sumHess: number, rows: number, unit: number, lambda: number, minChildWeight: number, minRows: number,
  ): void;
  subtract(
    parent: number, child: number, nFeatures: number,
    scan: number, best: number, sumGrad: number, sumHess: number, rows: number, unit: number, lambda: number, minChildWeight: number, minRows: number,
  ): void;
  /** returns the count of rows on the left */
  partition(column: number, threshold: number, order: number, count: number, spare: number): number;
  /** the integer sums, as float64s */
  sums(order: number, count: number, gh: number, out: number): void;
}

const MODULE = new WasmModule(new URL('./assembly/histogram.wasm', import.meta.url));

/** The boosting kernels bound to `memory` (a shared memory). Throws a WasmModuleError when they cannot be. */
export function bindBoostKernels(memory: WasmMemory): BoostKernels {
  return MODULE.bind<BoostKernels>(memory);
}
