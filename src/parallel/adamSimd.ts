/**
 * The data-parallel Adam update (flatAdam.ts) as a WebAssembly SIMD loop over the shared
 * memory the threads' arrays live in (sharedUpdate.ts; source: assembly/adam.ts): four floats
 * at a time, in float32 as tfjs computes Adam. The JavaScript loop works in float64, one value
 * at a time, with a conversion at each load and store, several times slower.
 */
import { WasmModule, type WasmMemory } from '../wasm/wasmModule.js';

/**
 * adam(w, m, v, a, b, groups, shareA, shareB, beta1, beta2, keep1, keep2, stepSize,
 * inverse2, epsilon): `groups` x 4 floats from the byte addresses w, m, v (updated in place)
 * and a, b (the two gradients), with flatAdam.ts's formula and constants.
 */
export type SimdAdam = (
  w: number, m: number, v: number, a: number, b: number, groups: number,
  shareA: number, shareB: number, beta1: number, beta2: number, keep1: number, keep2: number,
  stepSize: number, inverse2: number, epsilon: number,
) => void;

const MODULE = new WasmModule(new URL('./assembly/adam.wasm', import.meta.url));

/** The SIMD update bound to `memory`, a shared memory (createSharedMemory). */
export function simdAdam(memory: WasmMemory): SimdAdam {
  return MODULE.bind<{ adam: SimdAdam }>(memory).adam;
}
