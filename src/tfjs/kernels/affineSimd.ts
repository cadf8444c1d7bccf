/**
 * FusedBatchNorm's forward as one WebAssembly SIMD pass over the wasm backend's memory
 * (source: assembly/affine.ts).
 */
import { WasmModule, type MemoryOwner } from '../../wasm/wasmModule.js';

/** affine(x, y, a, b, pixels, channelBytes): byte addresses; channelBytes a multiple of 16. */
export type Affine = (x: number, y: number, a: number, b: number, pixels: number, channelBytes: number) => void;

const MODULE = new WasmModule(new URL('./assembly/affine.wasm', import.meta.url));

/** The SIMD affine pass bound to `backend`'s memory. */
export function simdAffine(backend: MemoryOwner): Affine {
  return MODULE.bindToBackend<{ affine: Affine }>(backend).affine;
}
