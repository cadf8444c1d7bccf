/**
 * MaxPoolGrad's 2x2 / stride-2 scatter as a WebAssembly SIMD loop (source:
 * assembly/maxPoolGrad.ts) that works in place on the wasm backend's memory: 4 channels per
 * instruction, memory-bound, ~8x faster than the JavaScript loop over typed arrays in
 * maxPoolGrad.ts on the study's activations. Same rule as that loop: dy goes to each window's
 * first maximum (row-major), a NaN maximum matches nothing.
 */
import { WasmModule, type MemoryOwner } from '../../wasm/wasmModule.js';

/** scatter2x2Row(x0, x1, y, dy, dx0, dx1, windows, channelBytes): byte addresses in the heap. */
export type ScatterRow = (x0: number, x1: number, y: number, dy: number, dx0: number, dx1: number, windows: number, channelBytes: number) => void;

const MODULE = new WasmModule(new URL('./assembly/maxPoolGrad.wasm', import.meta.url));

/** The SIMD row scatter bound to `backend`'s memory. */
export function simdScatterRow(backend: MemoryOwner): ScatterRow {
  return MODULE.bindToBackend<{ scatter2x2Row: ScatterRow }>(backend).scatter2x2Row;
}
