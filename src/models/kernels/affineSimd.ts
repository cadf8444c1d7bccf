/**
 * y = x * a + b with per-channel a and b (the last axis), as one WebAssembly SIMD pass over the
 * wasm backend's memory (see wasm/assembler.ts): FusedBatchNorm's forward in one pass instead of a
 * Multiply and an Add. Same float32 operations in the same order, so the same values.
 */
import type { WasmKernelArgs } from './stock.js';
import {
  BLOCK, BR_IF, END, F32X4_ADD, F32X4_MUL, GET, I32, I32_ADD, I32_CONST, I32_EQZ, I32_LT_U, I32_SUB, LOAD, LOOP, SET,
  STORE, TEE, VOID, assemble, bindToBackend,
} from '../../wasm/assembler.js';

/** affine(x, y, a, b, pixels, channelBytes): byte addresses; channelBytes a multiple of 16. */
export type Affine = (x: number, y: number, a: number, b: number, pixels: number, channelBytes: number) => void;

const [X, Y, A, B, PIXELS, CH, K] = [0, 1, 2, 3, 4, 5, 6];
const plusK = (local: number) => [GET, local, GET, K, I32_ADD];
const advance = (local: number) => [GET, local, GET, CH, I32_ADD, SET, local];

const BODY = [
  0x01, 1, I32, // locals: k, the byte offset within a pixel's channels
  BLOCK, VOID,
  GET, PIXELS, I32_EQZ, BR_IF, 0,
  LOOP, VOID,
  I32_CONST, 0, SET, K,
  LOOP, VOID,
  ...plusK(Y),
  ...plusK(X), ...LOAD, ...plusK(A), ...LOAD, ...F32X4_MUL, ...plusK(B), ...LOAD, ...F32X4_ADD,
  ...STORE,
  GET, K, I32_CONST, 16, I32_ADD, TEE, K, GET, CH, I32_LT_U, BR_IF, 0,
  END,
  ...advance(X), ...advance(Y),
  GET, PIXELS, I32_CONST, 1, I32_SUB, TEE, PIXELS, BR_IF, 0,
  END,
  END,
];

const MODULE = assemble([{ name: 'affine', params: 6, body: BODY }]);

/** The SIMD affine pass bound to `backend`'s memory, or undefined where it cannot run. */
export function simdAffine(backend: WasmKernelArgs['backend']): Affine | undefined {
  return bindToBackend<{ affine: Affine }>(MODULE, backend)?.affine;
}
