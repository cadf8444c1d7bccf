/**
 * Single-precision matrix products with fused multiply-add: the project's own GEMM for the
 * wasm backend. wasm SIMD has no FMA, so XNNPACK's kernels pay a multiply and an add per 4
 * terms; V8 ships FMA as relaxed SIMD's f32x4.relaxed_madd behind
 * `--experimental-wasm-relaxed-simd` (Node 20), one instruction where the CPU has FMA. A 4x8
 * block loop like this one, with its operands in L1 (480x64x8), ran at ~30 GFLOP/s on one
 * core here, the most measured; on the
 * MLP's products, with B packed by the WebAssembly copies below, one run in one process gave
 * 26.8-27.8 against XNNPACK's 21.2-22.2 GFLOP/s (500x784x1000) and 28.8-29.1 against 22.4
 * (500x1000x800). (The same kernel as a convolution, tap by tap or over a zero-padded copy of
 * the input, measured no faster than XNNPACK's convolution, so convolutions stay there.)
 *
 * C[M,N] = A[M,K] B[K,N]: B is packed into panels of 8 columns ([K][8] floats each), and a
 * WebAssembly loop (assembled here, see wasmSimd.ts) computes 4 rows of C against every panel
 * with 8 accumulators (4 rows x 2 vectors of 4 columns). A is read in place through a row and
 * a k stride; a transposed B only changes the packing. Rows and columns that do not fill a
 * block are covered by one more block that overlaps the previous one (same values written
 * twice). relaxed_madd may round like an FMA or like a multiply then an add, depending on the
 * CPU: results agree with other backends to float rounding, not bit for bit.
 */
import { setFlagsFromString } from 'node:v8';
import type { tf } from '../tf.js';
import { disposeAll, type WasmKernelArgs } from './stock.js';
import {
  END, F32_LOAD, F32_STORE, F32X4_ADD, GET, I32, I32_ADD, I32_CONST, I32_SUB, LOAD, LOAD_SPLAT, LOOP, SET, STORE, TEE, V128, V128_ZERO, VOID, BR_IF,
  assemble, bindToBackend,
} from './wasmSimd.js';

type Backend = WasmKernelArgs['backend'];

/**
 * rows(a, rowStride, kStride, panels, c, ldc, k, panelCount, bias): 4 rows of C against
 * `panelCount` panels; byte addresses and strides. Variants (see `Epilogue`) may add a bias
 * (`bias` points at the first panel's 8 values) and apply relu before storing.
 */
export type Rows = (a: number, rowStride: number, kStride: number, bp: number, c: number, ldc: number, k: number, panels: number, bias: number) => void;

/** What a block does to its sums before storing them: a Dense layer's bias and activation. */
export type Epilogue = 'none' | 'bias' | 'relu' | 'biasRelu';

const ROWS = 4;
const COLUMNS = 8;
const RELAXED_MADD = [0xfd, 0x85, 0x02];
const F32X4_MAX = [0xfd, 0xe9, 0x01];
const I32_MUL = 0x6c;

const [A, RS, KS, BP, C, LDC, K, PANELS, BIAS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [KK, AP, CP, BP0, B0, B1, AV, ACC] = [9, 10, 11, 12, 13, 14, 15, 16];
/** byte offset of row r from a base held in `local`, stride in `stride` */
const row = (local: number, stride: number, r: number) => [GET, local, ...(r ? [GET, stride, I32_CONST, r, I32_MUL, I32_ADD] : [])];
const acc = (r: number, half: number) => ACC + 2 * r + half;
/** the address of row r, half h of the current C tile */
const cAt = (r: number, half: number) => [...row(CP, LDC, r), ...(half ? [I32_CONST, 16, I32_ADD] : [])];

function body(epilogue: Epilogue): number[] {
  const withBias = epilogue === 'bias' || epilogue === 'biasRelu';
  const withRelu = epilogue === 'relu' || epilogue === 'biasRelu';
  const finish = (r: number, h: number) => [
    GET, acc(r, h),
    ...(withBias ? [GET, BIAS, ...(h ? [I32_CONST, 16, I32_ADD] : []), ...LOAD, ...F32X4_ADD] : []),
    ...(withRelu ? [...V128_ZERO, ...F32X4_MAX] : []),
  ];
  return [
    0x02, 4, I32, 3 + 2 * ROWS, V128, // locals: kk, ap, cp, bp0; b0, b1, av, 8 accumulators
    GET, C, SET, CP,
    GET, BP, SET, BP0,
    LOOP, VOID, // over panels
    ...Array.from({ length: 2 * ROWS }, (_, i) => [...V128_ZERO, SET, ACC + i]).flat(),
    GET, A, SET, AP,
    GET, K, SET, KK,
    LOOP, VOID, // over k: one row of the panel times 4 values of A's column k
    GET, BP0, ...LOAD, SET, B0,
    GET, BP0, I32_CONST, 16, I32_ADD, ...LOAD, SET, B1,
    ...Array.from({ length: ROWS }, (_, r) => [
      ...row(AP, RS, r), ...LOAD_SPLAT, SET, AV,
      GET, AV, GET, B0, GET, acc(r, 0), ...RELAXED_MADD, SET, acc(r, 0),
      GET, AV, GET, B1, GET, acc(r, 1), ...RELAXED_MADD, SET, acc(r, 1),
    ]).flat(),
    GET, BP0, I32_CONST, 32, I32_ADD, SET, BP0,
    GET, AP, GET, KS, I32_ADD, SET, AP,
    GET, KK, I32_CONST, 1, I32_SUB, TEE, KK, BR_IF, 0,
    END,
    ...Array.from({ length: ROWS }, (_, r) => [...cAt(r, 0), ...finish(r, 0), ...STORE, ...cAt(r, 1), ...finish(r, 1), ...STORE]).flat(),
    GET, CP, I32_CONST, 32, I32_ADD, SET, CP,
    ...(withBias ? [GET, BIAS, I32_CONST, 32, I32_ADD, SET, BIAS] : []),
    GET, PANELS, I32_CONST, 1, I32_SUB, TEE, PANELS, BR_IF, 0,
    END,
  ];
}

/**
 * pack(src, columnStride, rowStride, dst, k): one panel, 8 columns of B from `src` for each of
 * k rows into [k][8] at `dst` (byte addresses and strides). Packing in JavaScript took ~4 ns a
 * value, 3.3 ms for a 784 x 1000 weight matrix: about a tenth of an MLP training step and a
 * third of an inference batch, since the weights are packed again for every product.
 */
export type Pack = (src: number, columnStride: number, rowStride: number, dst: number, k: number) => void;

/** Contiguous columns (a plain B): two vector copies per row. */
function packContiguous(): number[] {
  const [SRC, , RS, DST, K] = [0, 1, 2, 3, 4];
  return [
    0x00, // no locals
    LOOP, VOID,
    GET, DST, GET, SRC, ...LOAD, ...STORE,
    GET, DST, I32_CONST, 16, I32_ADD, GET, SRC, I32_CONST, 16, I32_ADD, ...LOAD, ...STORE,
    GET, SRC, GET, RS, I32_ADD, SET, SRC,
    GET, DST, I32_CONST, 32, I32_ADD, SET, DST,
    GET, K, I32_CONST, 1, I32_SUB, TEE, K, BR_IF, 0,
    END,
  ];
}

/** Strided columns (a transposed B): eight scalar copies per row. */
function packStrided(): number[] {
  const [SRC, CS, RS, DST, K, P] = [0, 1, 2, 3, 4, 5];
  return [
    0x01, 1, I32, // local p: the column being copied
    LOOP, VOID,
    GET, SRC, SET, P,
    ...Array.from({ length: COLUMNS }, (_, j) => [
      GET, DST, ...(j ? [I32_CONST, 4 * j, I32_ADD] : []), GET, P, ...F32_LOAD, ...F32_STORE,
      ...(j < COLUMNS - 1 ? [GET, P, GET, CS, I32_ADD, SET, P] : []),
    ]).flat(),
    GET, SRC, GET, RS, I32_ADD, SET, SRC,
    GET, DST, I32_CONST, 32, I32_ADD, SET, DST,
    GET, K, I32_CONST, 1, I32_SUB, TEE, K, BR_IF, 0,
    END,
  ];
}

const EPILOGUES: readonly Epilogue[] = ['none', 'bias', 'relu', 'biasRelu'];
const MODULE = assemble([
  ...EPILOGUES.map((epilogue) => ({ name: epilogue, params: 9, body: body(epilogue) })),
  { name: 'packContiguous', params: 5, body: packContiguous() },
  { name: 'packStrided', params: 5, body: packStrided() },
]);
type Exports = Record<Epilogue, Rows> & { packContiguous: Pack; packStrided: Pack };

let flagSet = false;

/**
 * Turns on V8's relaxed SIMD for the process (worker threads included) so the module compiles;
 * idempotent. Flags are read when a module is compiled, and this one only adds instructions.
 */
export function enableRelaxedSimd(): void {
  if (!flagSet) setFlagsFromString('--experimental-wasm-relaxed-simd');
  flagSet = true;
}

/** The module's functions bound to `backend`'s memory, or undefined where relaxed SIMD does not compile. */
function fmaExports(backend: Backend): Exports | undefined {
  return bindToBackend<Exports>(MODULE, backend);
}

/** Whether `fmaMatMul` runs here: relaxed SIMD compiles, and the product is big enough for blocks. */
export function canFmaMatMul(backend: Backend, m: number, n: number): boolean {
  return m >= ROWS && n >= COLUMNS && fmaExports(backend) !== undefined;
}

/** An operand in the heap, element (i, j) at byte `i * rowStride + j * columnStride`. */
export interface Strided {
  info: tf.TensorInfo;
  rowStride: number;
  columnStride: number;
}

/**
 * C = A B for float32 A [m, k] and B [k, n], each given with its strides (a transposed operand
 * is the same buffer with the strides swapped), then + bias (n values) and relu where given;
 * C is a new tensor of `shape` (m x n values, row by row). Needs `canFmaMatMul`.
 */
export function fmaMatMul(
  backend: Backend, a: Strided, b: Strided, [m, k, n]: [number, number, number], shape: number[],
  bias?: tf.TensorInfo, relu = false,
): tf.TensorInfo {
  const exports = fmaExports(backend)!;
  const rows = exports[bias ? (relu ? 'biasRelu' : 'bias') : relu ? 'relu' : 'none'];
  const full = Math.floor(n / COLUMNS);
  const panelCount = full + (n % COLUMNS ? 1 : 0);
  const packed = backend.makeOutput([panelCount * k * COLUMNS], 'float32');
  const c = backend.makeOutput(shape, 'float32');
  // Addresses after the allocations: allocating can grow the heap and detach views.
  const bAt = backend.typedArrayFromHeap(b.info).byteOffset;
  const packedAt = backend.typedArrayFromHeap(packed).byteOffset;
  // panel p holds B's columns first .. first + 7, row by row: [k][8]
  const pack = b.columnStride === 4 ? exports.packContiguous : exports.packStrided;
  for (let p = 0; p < panelCount; p++) {
    const first = p < full ? p * COLUMNS : n - COLUMNS;
    pack(bAt + first * b.columnStride, b.columnStride, b.rowStride, packedAt + p * k * COLUMNS * 4, k);
  }
  const aAt = backend.typedArrayFromHeap(a.info).byteOffset;
  const cAt = backend.typedArrayFromHeap(c).byteOffset;
  const biasAt = bias ? backend.typedArrayFromHeap(bias).byteOffset : 0;
  const ldc = n * 4;
  for (let block = 0; block < m; block += ROWS) {
    const first = Math.min(block, m - ROWS);
    const aRows = aAt + first * a.rowStride;
    const cRows = cAt + first * ldc;
    if (full > 0) rows(aRows, a.rowStride, a.columnStride, packedAt, cRows, ldc, k, full, biasAt);
    if (full < panelCount) {
      rows(aRows, a.rowStride, a.columnStride, packedAt + full * k * COLUMNS * 4, cRows + (n - COLUMNS) * 4, ldc, k, 1, biasAt + (n - COLUMNS) * 4);
    }
  }
  disposeAll(backend, packed);
  return c;
}
