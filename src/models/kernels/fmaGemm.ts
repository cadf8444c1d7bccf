/**
 * Single-precision matrix products with fused multiply-add: the project's own GEMM for the
 * wasm backend. wasm SIMD has no FMA, so XNNPACK's kernels pay a multiply and an add per 4
 * terms; V8 ships FMA as relaxed SIMD's f32x4.relaxed_madd behind
 * `--experimental-wasm-relaxed-simd` (Node 20), one instruction where the CPU has FMA. A 4x8
 * block loop like this one, with its operands in L1 (480x64x8), ran at ~30 GFLOP/s on one
 * core here, the most measured; on the MLP's products, one run in one process, alternating,
 * gave 24.7-27.4 against XNNPACK's 19.4 GFLOP/s (500x784x1000) and 28.1 against 21.7-21.9
 * (500x1000x800). (As a forward convolution, tap by tap or over a zero-padded copy of the
 * input, it measured no faster than XNNPACK's, so forward convolutions stay there; the study's
 * convolution gradients run on it tap by tap: filterGradByTaps.ts, inputGradByTaps.ts.)
 *
 * C[M,N] = A[M,K] B[K,N]: B is packed into panels of 8 columns ([K][8] floats each) and A
 * into blocks of 4 rows ([K][4]), both by WebAssembly copies that read any row and column
 * strides, so a transposed operand costs nothing more. A WebAssembly loop (assembled here,
 * see wasm/assembler.ts) then takes the panels one by one and runs every block of A over each,
 * with 8 accumulators (4 rows x 2 vectors of 4 columns): the panel stays in L1, and the loop reads
 * both operands at constant offsets from one pointer each. Against the previous version
 * (A read in place, rows recomputed by a multiply at every k; the blocks of A outermost, all
 * of B streamed from L2 or beyond for each), in one process, alternating, one core: MLP
 * training step at batch 250 159-164 against 164-177 ms, inference 42-48 against 49-51 ms per
 * 250 images. Blocks of 5 or 6 rows trained about as fast but ran inference slower.
 * Rows and columns that do not fill a block are covered by one more block that overlaps the
 * previous one (same values written twice). relaxed_madd may round like an FMA or like a
 * multiply then an add, depending on the CPU: results agree with other backends to float
 * rounding, not bit for bit.
 */
import { setFlagsFromString } from 'node:v8';
import type { tf } from '../tf.js';
import { disposeAll, type WasmKernelArgs } from './stock.js';
import {
  END, F32_LOAD, F32_STORE, F32X4_ADD, GET, I32, I32_ADD, I32_CONST, I32_MUL, I32_SUB, LOOP, SET, TEE, V128, V128_ZERO, VOID, BR_IF,
  assemble, bindToBackend, loadAt, loadSplatAt, storeAt,
} from '../../wasm/assembler.js';

type Backend = WasmKernelArgs['backend'];

/**
 * blocks(a, b, c, ldc, k, count, bias): `count` blocks of ROWS packed rows of A ([k][ROWS]
 * floats each, one after another) against one packed panel of B ([k][8]), into C's tiles
 * from `c` down (row stride `ldc`); byte addresses. Variants (see `Epilogue`) add the 8 bias
 * values at `bias` and apply relu before storing.
 */
export type Blocks = (a: number, b: number, c: number, ldc: number, k: number, count: number, bias: number) => void;

/**
 * What a block does to its sums before storing them: a Dense layer's bias and activation, or
 * adding what C holds (a sum of products; rows and columns must then fill whole blocks, which
 * never overlap: see `fmaMultiply`).
 */
export type Epilogue = 'none' | 'bias' | 'relu' | 'biasRelu' | 'accumulate';

const ROWS = 4;
const COLUMNS = 8;
/**
 * Bytes of packed A multiplied at a time. Packing all of a tall A first (112,500 x 256 for a
 * convolution-shaped product) and streaming it past every panel made such products slower
 * than XNNPACK's (12-13 against 18 GFLOP/s); a chunk that stays in L2 does not.
 */
const CHUNK_BYTES = 512 * 1024;
const RELAXED_MADD = [0xfd, 0x85, 0x02];
const F32X4_MAX = [0xfd, 0xe9, 0x01];

const [AP, BP, CP, LDC, K, COUNT, BIAS] = [0, 1, 2, 3, 4, 5, 6];
const [KK, BPP, B0, B1, AV, ACC] = [7, 8, 9, 10, 11, 12];
const acc = (r: number, half: number) => ACC + 2 * r + half;

function body(epilogue: Epilogue): number[] {
  const withBias = epilogue === 'bias' || epilogue === 'biasRelu';
  const withRelu = epilogue === 'relu' || epilogue === 'biasRelu';
  const rowAt = (r: number) => (r ? [GET, CP, GET, LDC, I32_CONST, r, I32_MUL, I32_ADD] : [GET, CP]);
  const finish = (r: number, h: number) => [
    GET, acc(r, h),
    ...(withBias ? [GET, BIAS, ...loadAt(16 * h), ...F32X4_ADD] : []),
    ...(withRelu ? [...V128_ZERO, ...F32X4_MAX] : []),
    ...(epilogue === 'accumulate' ? [...rowAt(r), ...loadAt(16 * h), ...F32X4_ADD] : []),
  ];
  return [
    0x02, 2, I32, 3 + 2 * ROWS, V128, // locals: kk, bpp; b0, b1, av, 2 x ROWS accumulators
    LOOP, VOID, // over blocks of rows
    ...Array.from({ length: 2 * ROWS }, (_, i) => [...V128_ZERO, SET, ACC + i]).flat(),
    GET, BP, SET, BPP,
    GET, K, SET, KK,
    LOOP, VOID, // over k: one row of the panel times ROWS values of A's column k
    GET, BPP, ...loadAt(0), SET, B0,
    GET, BPP, ...loadAt(16), SET, B1,
    ...Array.from({ length: ROWS }, (_, r) => [
      GET, AP, ...loadSplatAt(4 * r), SET, AV,
      GET, AV, GET, B0, GET, acc(r, 0), ...RELAXED_MADD, SET, acc(r, 0),
      GET, AV, GET, B1, GET, acc(r, 1), ...RELAXED_MADD, SET, acc(r, 1),
    ]).flat(),
    GET, BPP, I32_CONST, 32, I32_ADD, SET, BPP,
    GET, AP, I32_CONST, 4 * ROWS, I32_ADD, SET, AP,
    GET, KK, I32_CONST, 1, I32_SUB, TEE, KK, BR_IF, 0,
    END,
    ...Array.from({ length: ROWS }, (_, r) => [...rowAt(r), ...finish(r, 0), ...storeAt(0), ...rowAt(r), ...finish(r, 1), ...storeAt(16)]).flat(),
    GET, CP, GET, LDC, I32_CONST, ROWS, I32_MUL, I32_ADD, SET, CP,
    GET, COUNT, I32_CONST, 1, I32_SUB, TEE, COUNT, BR_IF, 0,
    END,
  ];
}

/**
 * pack(src, step, kStride, dst, k): for each of k steps of `kStride` from `src`, `width` values
 * `step` apart, into [k][width] at `dst` (byte addresses and strides): a panel of B (8 columns)
 * or a block of A (4 rows). Packing B in JavaScript took ~4 ns a value, 3.3 ms for a
 * 784 x 1000 weight matrix: about a tenth of an MLP training step and a third of an inference
 * batch, since the weights are packed again for every product.
 */
export type Pack = (src: number, step: number, kStride: number, dst: number, k: number) => void;

/** Contiguous values (a plain B's columns; A's rows of a transposed A): `width / 4` vector copies per k. */
function packContiguous(width: number): number[] {
  const [SRC, , RS, DST, K] = [0, 1, 2, 3, 4];
  return [
    0x00, // no locals
    LOOP, VOID,
    ...Array.from({ length: width / 4 }, (_, v) => [GET, DST, GET, SRC, ...loadAt(16 * v), ...storeAt(16 * v)]).flat(),
    GET, SRC, GET, RS, I32_ADD, SET, SRC,
    GET, DST, I32_CONST, 4 * width, I32_ADD, SET, DST,
    GET, K, I32_CONST, 1, I32_SUB, TEE, K, BR_IF, 0,
    END,
  ];
}

/** Strided values (a transposed B; A's blocks of rows): `width` scalar copies per k. */
function packStrided(width: number): number[] {
  const [SRC, CS, RS, DST, K, P] = [0, 1, 2, 3, 4, 5];
  return [
    0x01, 1, I32, // local p: the column being copied
    LOOP, VOID,
    GET, SRC, SET, P,
    ...Array.from({ length: width }, (_, j) => [
      GET, DST, ...(j ? [I32_CONST, 4 * j, I32_ADD] : []), GET, P, ...F32_LOAD, ...F32_STORE,
      ...(j < width - 1 ? [GET, P, GET, CS, I32_ADD, SET, P] : []),
    ]).flat(),
    GET, SRC, GET, RS, I32_ADD, SET, SRC,
    GET, DST, I32_CONST, 4 * width, I32_ADD, SET, DST,
    GET, K, I32_CONST, 1, I32_SUB, TEE, K, BR_IF, 0,
    END,
  ];
}

const EPILOGUES: readonly Epilogue[] = ['none', 'bias', 'relu', 'biasRelu', 'accumulate'];
const MODULE = assemble([
  ...EPILOGUES.map((epilogue) => ({ name: epilogue, params: 7, body: body(epilogue) })),
  { name: 'packContiguous', params: 5, body: packContiguous(COLUMNS) },
  { name: 'packStrided', params: 5, body: packStrided(COLUMNS) },
  { name: 'packRowsContiguous', params: 5, body: packContiguous(ROWS) },
  { name: 'packRows', params: 5, body: packStrided(ROWS) },
]);
type Exports = Record<Epilogue, Blocks> & { packContiguous: Pack; packStrided: Pack; packRowsContiguous: Pack; packRows: Pack };

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

/** An operand or result by byte address: element (i, j) at `at + i * rowStride + j * columnStride`. */
export interface Operand {
  at: number;
  rowStride: number;
  columnStride: number;
}

/** Heap space for packing the operands of products up to [m, k, n]: made once for many `fmaMultiply` calls. */
export interface Packing {
  packedA: tf.TensorInfo;
  packedB: tf.TensorInfo;
}

/** The blocks of 4 rows of A packed at a time (a chunk that stays in L2). */
const chunkBlocksFor = (m: number, k: number) => Math.min(Math.ceil(m / ROWS), Math.max(1, Math.floor(CHUNK_BYTES / (k * ROWS * 4))));

/** Packing space for products up to [m, k, n]. */
export function allocatePacking(backend: Backend, [m, k, n]: [number, number, number]): Packing {
  return {
    packedA: backend.makeOutput([chunkBlocksFor(m, k) * k * ROWS], 'float32'),
    packedB: backend.makeOutput([Math.ceil(n / COLUMNS) * k * COLUMNS], 'float32'),
  };
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
  const packing = allocatePacking(backend, [m, k, n]);
  const c = backend.makeOutput(shape, 'float32');
  // Addresses after the allocations (allocating can grow the heap and detach views; addresses stay)
  const at = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  const operand = (x: Strided): Operand => ({ at: at(x.info), rowStride: x.rowStride, columnStride: x.columnStride });
  const epilogue = bias ? (relu ? 'biasRelu' : 'bias') : relu ? 'relu' : 'none';
  fmaMultiply(backend, operand(a), operand(b), [m, k, n], at(c), n * 4, packing, epilogue, bias ? at(bias) : 0);
  disposeAll(backend, packing.packedA, packing.packedB);
  return c;
}

/**
 * C = A B (then the epilogue) into row-major C at `cAt` with row stride `ldc` bytes, for
 * operands by address, packed in `packing` (made for at least [m, k, n]). Needs `canFmaMatMul`;
 * with 'accumulate', m a multiple of 4 and n of 8 (an overlapping last block would add twice).
 */
export function fmaMultiply(
  backend: Backend, a: Operand, b: Operand, [m, k, n]: [number, number, number], cAt: number, ldc: number, packing: Packing,
  epilogue: Epilogue = 'none', biasAt = 0,
): void {
  const exports = fmaExports(backend)!;
  const blocks = exports[epilogue];
  const fullPanels = Math.floor(n / COLUMNS);
  const panels = fullPanels + (n % COLUMNS ? 1 : 0);
  const fullBlocks = Math.floor(m / ROWS);
  const blockCount = fullBlocks + (m % ROWS ? 1 : 0);
  const panelBytes = k * COLUMNS * 4;
  const blockBytes = k * ROWS * 4;
  // A is packed and multiplied a chunk of blocks at a time, small enough to stay in L2
  const chunkBlocks = chunkBlocksFor(m, k);
  const packedAAt = backend.typedArrayFromHeap(packing.packedA).byteOffset;
  const packedBAt = backend.typedArrayFromHeap(packing.packedB).byteOffset;
  // The last block of rows or panel of columns starts early enough to be whole (overlapping the one before).
  const firstRow = (block: number) => (block < fullBlocks ? block * ROWS : m - ROWS);
  const firstColumn = (panel: number) => (panel < fullPanels ? panel * COLUMNS : n - COLUMNS);
  const packB = b.columnStride === 4 ? exports.packContiguous : exports.packStrided;
  const packA = a.rowStride === 4 ? exports.packRowsContiguous : exports.packRows;
  for (let p = 0; p < panels; p++) packB(b.at + firstColumn(p) * b.columnStride, b.columnStride, b.rowStride, packedBAt + p * panelBytes, k);
  for (let first = 0; first < blockCount; first += chunkBlocks) {
    const count = Math.min(chunkBlocks, blockCount - first);
    for (let r = 0; r < count; r++) packA(a.at + firstRow(first + r) * a.rowStride, a.rowStride, a.columnStride, packedAAt + r * blockBytes, k);
    // blocks at rows 4i, then (last chunk only) the one overlapping them at the end
    const regular = Math.min(count, fullBlocks - first);
    // Panel by panel: one panel of B stays in L1 while every block of the chunk passes over it.
    for (let p = 0; p < panels; p++) {
      const column = firstColumn(p);
      const panel = packedBAt + p * panelBytes;
      if (regular > 0) blocks(packedAAt, panel, cAt + first * ROWS * ldc + column * 4, ldc, k, regular, biasAt + column * 4);
      if (regular < count) blocks(packedAAt + regular * blockBytes, panel, cAt + (m - ROWS) * ldc + column * 4, ldc, k, 1, biasAt + column * 4);
    }
  }
}
