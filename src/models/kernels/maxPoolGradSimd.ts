/**
 * MaxPoolGrad's 2x2 / stride-2 scatter as a WebAssembly SIMD loop (see wasm/assembler.ts) that works
 * in place on the wasm backend's memory: 4 channels per instruction, memory-bound, ~8x faster
 * than the JavaScript loop over typed arrays in maxPoolGrad.ts on the study's activations.
 *
 * For one pair of input rows and the output row they pool into, for each window and each
 * group of 4 channels: e_k = (x_k == max) and not (e_0 | ... | e_(k-1)), dx_k = dy & e_k. So
 * dy goes to the first position (row-major) equal to the window's maximum, the cpu backend's
 * rule; a NaN maximum matches nothing and the window gets 0.
 */
import type { WasmKernelArgs } from './stock.js';
import {
  AND, ANDNOT, BLOCK, BR_IF, END, F32X4_EQ, GET, I32, I32_ADD, I32_CONST, I32_EQZ, I32_LT_U, I32_SHL, I32_SUB, LOAD, LOOP,
  OR, SET, STORE, TEE, V128, VOID, assemble, bindToBackend,
} from '../../wasm/assembler.js';

/** scatter2x2Row(x0, x1, y, dy, dx0, dx1, windows, channelBytes): byte addresses in the heap. */
export type ScatterRow = (x0: number, x1: number, y: number, dy: number, dx0: number, dx1: number, windows: number, channelBytes: number) => void;

// Parameters 0..7 as in ScatterRow, then locals: k (byte offset in the channel group loop),
// and the v128s max, dy, taken (positions already matched), e (this position's mask).
const [X0, X1, Y, DY, DX0, DX1, WINDOWS, CH] = [0, 1, 2, 3, 4, 5, 6, 7];
const [K, MAX, G, TAKEN, E] = [8, 9, 10, 11, 12];

const at = (base: number, plusChannel: boolean) => [GET, base, ...(plusChannel ? [GET, CH, I32_ADD] : []), GET, K, I32_ADD];

/** e = (x[pos] == max) & ~taken; dx[pos] = dy & e; taken |= e (skipped for the last position). */
function position(x: number, dx: number, plusChannel: boolean, last: boolean): number[] {
  return [
    ...at(x, plusChannel), ...LOAD, GET, MAX, ...F32X4_EQ, GET, TAKEN, ...ANDNOT, SET, E,
    ...at(dx, plusChannel), GET, G, GET, E, ...AND, ...STORE,
    ...(last ? [] : [GET, TAKEN, GET, E, ...OR, SET, TAKEN]),
  ];
}

const advance = (local: number, double: boolean) => [GET, local, GET, CH, ...(double ? [I32_CONST, 1, I32_SHL] : []), I32_ADD, SET, local];

const BODY = [
  0x02, 1, I32, 4, V128, // locals: 1 x i32, 4 x v128
  BLOCK, VOID,
  GET, WINDOWS, I32_EQZ, BR_IF, 0,
  LOOP, VOID,
  I32_CONST, 0, SET, K,
  LOOP, VOID,
  ...at(Y, false), ...LOAD, SET, MAX,
  ...at(DY, false), ...LOAD, SET, G,
  // The first position: nothing taken yet.
  ...at(X0, false), ...LOAD, GET, MAX, ...F32X4_EQ, SET, TAKEN,
  ...at(DX0, false), GET, G, GET, TAKEN, ...AND, ...STORE,
  ...position(X0, DX0, true, false),
  ...position(X1, DX1, false, false),
  ...position(X1, DX1, true, true),
  GET, K, I32_CONST, 16, I32_ADD, TEE, K, GET, CH, I32_LT_U, BR_IF, 0,
  END,
  ...advance(X0, true), ...advance(X1, true), ...advance(DX0, true), ...advance(DX1, true),
  ...advance(Y, false), ...advance(DY, false),
  GET, WINDOWS, I32_CONST, 1, I32_SUB, TEE, WINDOWS, BR_IF, 0,
  END,
  END,
];

const MODULE = assemble([{ name: 'scatter2x2Row', params: 8, body: BODY }]);

/** The SIMD row scatter bound to `backend`'s memory, or undefined where it cannot run. */
export function simdScatterRow(backend: WasmKernelArgs['backend']): ScatterRow | undefined {
  return bindToBackend<{ scatter2x2Row: ScatterRow }>(MODULE, backend)?.scatter2x2Row;
}
