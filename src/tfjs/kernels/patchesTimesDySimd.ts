/**
 * patches^T dy for narrow patches (the study's first convolution: 2x2 taps of 1 input channel)
 * as a WebAssembly SIMD loop over the wasm backend's memory (source: assembly/patchesTimesDy.ts):
 * one read of dy, no transposes and no packing, which the matrix-product form needs.
 */
import { WasmModule, type MemoryOwner } from '../../wasm/wasmModule.js';

/**
 * accumulate(patches, dy, sums, pixels, rows, channelBytes): byte addresses; adds into sums
 * ([rows, Co] float32); channelBytes = Co * 4, a multiple of 16.
 */
export type Accumulate = (patches: number, dy: number, sums: number, pixels: number, rows: number, channelBytes: number) => void;

const MODULE = new WasmModule(new URL('./assembly/patchesTimesDy.wasm', import.meta.url));

/** The SIMD accumulation bound to `backend`'s memory. */
export function simdPatchesTimesDy(backend: MemoryOwner): Accumulate {
  return MODULE.bindToBackend<{ accumulate: Accumulate }>(backend).accumulate;
}
