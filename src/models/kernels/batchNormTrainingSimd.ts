/**
 * The two per-element passes of BatchNorm in training that no stock kernel fuses, as
 * WebAssembly SIMD loops over the wasm backend's memory (see wasm/assembler.ts):
 * - `centeredSums`: acc[c] += x - m[c] and acc[C + c] += (x - m[c])^2 over a run of pixels,
 *   the batch statistics in two reads of the activation where tf.moments makes six passes
 *   (Mean, Sub, Square, Mean, and their outputs);
 * - `inputGrad`: dx = dx0 + (x - m) * b + c per channel, the last step of the input gradient.
 */
import type { WasmKernelArgs } from './stock.js';
import {
  BLOCK, BR_IF, END, F32X4_ADD, F32X4_MUL, F32X4_SUB, GET, I32, I32_ADD, I32_CONST, I32_EQZ, I32_LT_U, I32_SUB, LOAD, LOOP,
  SET, STORE, TEE, V128, VOID, assemble, bindToBackend,
} from '../../wasm/assembler.js';

/** centeredSums(x, m, acc, pixels, channelBytes): byte addresses; acc holds 2 x channels floats. */
export type CenteredSums = (x: number, m: number, acc: number, pixels: number, channelBytes: number) => void;
/** inputGrad(dx0, x, dx, m, b, c, pixels, channelBytes): byte addresses. */
export type InputGrad = (dx0: number, x: number, dx: number, m: number, b: number, c: number, pixels: number, channelBytes: number) => void;

const plusK = (local: number, k: number) => [GET, local, GET, k, I32_ADD];
const advance = (local: number, ch: number) => [GET, local, GET, ch, I32_ADD, SET, local];
/** The loop over pixels around `inner` (the loop over one pixel's channels, 4 at a time, k in bytes). */
const overPixels = (pixels: number, ch: number, k: number, inner: number[], advances: number[]) => [
  BLOCK, VOID,
  GET, pixels, I32_EQZ, BR_IF, 0,
  LOOP, VOID,
  I32_CONST, 0, SET, k,
  LOOP, VOID,
  ...inner,
  GET, k, I32_CONST, 16, I32_ADD, TEE, k, GET, ch, I32_LT_U, BR_IF, 0,
  END,
  ...advances,
  GET, pixels, I32_CONST, 1, I32_SUB, TEE, pixels, BR_IF, 0,
  END,
  END,
];

const SUMS = (() => {
  const [X, M, ACC, PIXELS, CH, K, D] = [0, 1, 2, 3, 4, 5, 6];
  const second = [GET, ACC, GET, CH, I32_ADD, GET, K, I32_ADD]; // acc[channels + k]
  return [
    0x02, 1, I32, 1, V128, // locals: k, d = x - m
    ...overPixels(PIXELS, CH, K, [
      ...plusK(X, K), ...LOAD, ...plusK(M, K), ...LOAD, ...F32X4_SUB, SET, D,
      ...plusK(ACC, K), ...plusK(ACC, K), ...LOAD, GET, D, ...F32X4_ADD, ...STORE,
      ...second, ...second, ...LOAD, GET, D, GET, D, ...F32X4_MUL, ...F32X4_ADD, ...STORE,
    ], advance(X, CH)),
  ];
})();

const GRAD = (() => {
  const [DX0, X, DX, M, B, C, PIXELS, CH, K] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  return [
    0x01, 1, I32, // locals: k
    ...overPixels(PIXELS, CH, K, [
      ...plusK(DX, K),
      ...plusK(DX0, K), ...LOAD,
      ...plusK(X, K), ...LOAD, ...plusK(M, K), ...LOAD, ...F32X4_SUB, ...plusK(B, K), ...LOAD, ...F32X4_MUL,
      ...F32X4_ADD, ...plusK(C, K), ...LOAD, ...F32X4_ADD,
      ...STORE,
    ], [...advance(DX0, CH), ...advance(X, CH), ...advance(DX, CH)]),
  ];
})();

const MODULE = assemble([
  { name: 'centeredSums', params: 5, body: SUMS },
  { name: 'inputGrad', params: 8, body: GRAD },
]);

/** Both loops bound to `backend`'s memory, or undefined where they cannot run. */
export function batchNormTrainingSimd(backend: WasmKernelArgs['backend']): { centeredSums: CenteredSums; inputGrad: InputGrad } | undefined {
  return bindToBackend(MODULE, backend);
}
