/**
 * The data-parallel Adam update (flatAdam.ts) as a WebAssembly SIMD loop over the shared
 * memory the threads' arrays live in (sharedUpdate.ts): four floats at a time, in float32 as
 * tfjs computes Adam. The JavaScript loop works in float64, one value at a time, with a
 * conversion at each load and store: 10-17 ms for the 1.1M floats a thread updates in an MLP
 * step, about a tenth of the step.
 */
import {
  BLOCK, BR_IF, END, F32, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SPLAT, F32X4_SQRT, GET, I32, I32_ADD, I32_CONST, I32_EQZ, I32_SUB, LOAD, LOOP,
  SET, STORE, TEE, V128, VOID, assemble, bindToMemory, type WasmMemory,
} from '../../wasm/assembler.js';

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

const [W, M, V, A, B, GROUPS] = [0, 1, 2, 3, 4, 5];
/** the float parameters (6..14), each splatted into the vector local 9 places later */
const CONSTANTS = 9;
const [SHARE_A, SHARE_B, BETA1, BETA2, KEEP1, KEEP2, STEP, INVERSE2, EPSILON] = Array.from({ length: CONSTANTS }, (_, i) => 15 + i);
const [G, MI, VI] = [24, 25, 26];

const advance = (local: number) => [GET, local, I32_CONST, 16, I32_ADD, SET, local];

const BODY = [
  0x01, CONSTANTS + 3, V128, // locals: the splatted constants; g, mi, vi
  ...Array.from({ length: CONSTANTS }, (_, i) => [GET, 6 + i, ...F32X4_SPLAT, SET, 15 + i]).flat(),
  BLOCK, VOID,
  GET, GROUPS, I32_EQZ, BR_IF, 0,
  LOOP, VOID,
  // g = a * shareA + b * shareB
  GET, A, ...LOAD, GET, SHARE_A, ...F32X4_MUL, GET, B, ...LOAD, GET, SHARE_B, ...F32X4_MUL, ...F32X4_ADD, SET, G,
  // m = m * beta1 + g * keep1
  GET, M, ...LOAD, GET, BETA1, ...F32X4_MUL, GET, G, GET, KEEP1, ...F32X4_MUL, ...F32X4_ADD, SET, MI,
  GET, M, GET, MI, ...STORE,
  // v = v * beta2 + g * g * keep2
  GET, V, ...LOAD, GET, BETA2, ...F32X4_MUL, GET, G, GET, G, ...F32X4_MUL, GET, KEEP2, ...F32X4_MUL, ...F32X4_ADD, SET, VI,
  GET, V, GET, VI, ...STORE,
  // w += stepSize * m / (sqrt(v * inverse2) + epsilon)
  GET, W,
  GET, W, ...LOAD,
  GET, STEP, GET, MI, ...F32X4_MUL,
  GET, VI, GET, INVERSE2, ...F32X4_MUL, ...F32X4_SQRT, GET, EPSILON, ...F32X4_ADD,
  ...F32X4_DIV, ...F32X4_ADD, ...STORE,
  ...advance(W), ...advance(M), ...advance(V), ...advance(A), ...advance(B),
  GET, GROUPS, I32_CONST, 1, I32_SUB, TEE, GROUPS, BR_IF, 0,
  END,
  END,
];

const MODULE = assemble(
  [{ name: 'adam', params: [I32, I32, I32, I32, I32, I32, ...new Array<number>(CONSTANTS).fill(F32)], body: BODY }],
  { sharedMemory: true },
);

/** The SIMD update bound to `memory`, or undefined where this engine cannot run it. */
export function simdAdam(memory: WasmMemory): SimdAdam | undefined {
  return bindToMemory<{ adam: SimdAdam }>(MODULE, memory)?.adam;
}
