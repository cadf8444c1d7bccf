/**
 * The two per-element passes of BatchNorm in training that no stock kernel fuses, as
 * WebAssembly SIMD loops over the wasm backend's memory (source: assembly/batchNormTraining.ts):
 * - `centeredSums`: acc[c] += x - m[c] and acc[C + c] += (x - m[c])^2 over a run of pixels,
 *   the batch statistics in two reads of the activation where tf.moments makes six passes
 *   (Mean, Sub, Square, Mean, and their outputs);
 * - `inputGrad`: dx = dx0 + (x - m) * b + c per channel, the last step of the input gradient.
 */
import { WasmModule, type MemoryOwner } from '../../wasm/wasmModule.js';

/** centeredSums(x, m, acc, pixels, channelBytes): byte addresses; acc holds 2 x channels floats. */
export type CenteredSums = (x: number, m: number, acc: number, pixels: number, channelBytes: number) => void;
/** inputGrad(dx0, x, dx, m, b, c, pixels, channelBytes): byte addresses. */
export type InputGrad = (dx0: number, x: number, dx: number, m: number, b: number, c: number, pixels: number, channelBytes: number) => void;

const MODULE = new WasmModule(new URL('./assembly/batchNormTraining.wasm', import.meta.url));

/** Both loops bound to `backend`'s memory. */
export function batchNormTrainingSimd(backend: MemoryOwner): { centeredSums: CenteredSums; inputGrad: InputGrad } {
  return MODULE.bindToBackend(backend);
}
