/**
 * sums[r][co] = sum over pixels p of patches[p][r] * dy[p][co], for a few rows r (the study's
 * first convolution: 4 = 2x2 taps of 1 input channel), as a WebAssembly SIMD loop (see
 * wasm/assembler.ts): each patch value is broadcast to 4 lanes and multiplied into 4 channels of dy
 * at a time, the sums kept in memory that stays in L1 cache (rows x Co floats). One read of dy,
 * no transposes and no packing, which the matrix-product form needs.
 */
import type { WasmKernelArgs } from './stock.js';
import {
  BLOCK, BR_IF, END, F32X4_ADD, F32X4_MUL, GET, I32, I32_ADD, I32_CONST, I32_EQZ, I32_LT_U, I32_SUB, LOAD, LOAD_SPLAT, LOOP,
  SET, STORE, TEE, V128, VOID, assemble, bindToBackend,
} from '../../wasm/assembler.js';

/**
 * accumulate(patches, dy, sums, pixels, rows, channelBytes): byte addresses; adds into sums
 * ([rows, Co] float32); channelBytes = Co * 4, a multiple of 16.
 */
export type Accumulate = (patches: number, dy: number, sums: number, pixels: number, rows: number, channelBytes: number) => void;

const [PATCHES, DY, SUMS, PIXELS, ROWS, CH, ROW, ROW_AT, K, XS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const plusK = (local: number) => [GET, local, GET, K, I32_ADD];

const BODY = [
  0x02, 3, I32, 1, V128, // locals: row (counter), rowAt (address of sums[row]), k (byte offset); xs (broadcast patch value)
  BLOCK, VOID,
  GET, PIXELS, I32_EQZ, BR_IF, 0,
  GET, ROWS, I32_EQZ, BR_IF, 0,
  LOOP, VOID, // pixels
  GET, ROWS, SET, ROW,
  GET, SUMS, SET, ROW_AT,
  LOOP, VOID, // rows of this pixel's patch
  GET, PATCHES, ...LOAD_SPLAT, SET, XS,
  GET, PATCHES, I32_CONST, 4, I32_ADD, SET, PATCHES,
  I32_CONST, 0, SET, K,
  LOOP, VOID, // groups of 4 output channels
  ...plusK(ROW_AT), ...plusK(ROW_AT), ...LOAD, GET, XS, ...plusK(DY), ...LOAD, ...F32X4_MUL, ...F32X4_ADD, ...STORE,
  GET, K, I32_CONST, 16, I32_ADD, TEE, K, GET, CH, I32_LT_U, BR_IF, 0,
  END,
  GET, ROW_AT, GET, CH, I32_ADD, SET, ROW_AT,
  GET, ROW, I32_CONST, 1, I32_SUB, TEE, ROW, BR_IF, 0,
  END,
  GET, DY, GET, CH, I32_ADD, SET, DY,
  GET, PIXELS, I32_CONST, 1, I32_SUB, TEE, PIXELS, BR_IF, 0,
  END,
  END,
];

const MODULE = assemble([{ name: 'accumulate', params: 6, body: BODY }]);

/** The SIMD accumulation bound to `backend`'s memory, or undefined where it cannot run. */
export function simdPatchesTimesDy(backend: WasmKernelArgs['backend']): Accumulate | undefined {
  return bindToBackend<{ accumulate: Accumulate }>(MODULE, backend)?.accumulate;
}
