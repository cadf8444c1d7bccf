/**
 * Single-precision matrix products with fused multiply-add: the project's own GEMM for the
 * wasm backend. wasm SIMD has no FMA, so XNNPACK's kernels pay a multiply and an add per 4
 * terms; V8 ships FMA as relaxed SIMD's f32x4.relaxed_madd behind
 * `--experimental-wasm-relaxed-simd` (Node 20), one instruction where the CPU has FMA. A 4x8
 * block loop like this one gave the highest throughput measured here, and on the MLP's
 * products it beats XNNPACK's (bench/RESULTS.md). (As a forward convolution, tap by tap or
 * over a zero-padded copy of the input, it was no faster than XNNPACK's; the study's convolution
 * gradients run on it tap by tap: filterGradByTaps.ts, inputGradByTaps.ts. The convnet's 3x3
 * convolutions run its tile loop on Winograd's transformed tiles: winogradConv.ts.)
 *
 * C[M,N] = A[M,K] B[K,N]: B is packed into panels of 8 columns ([K][8] floats each) and A
 * into blocks of 4 rows ([K][4]), both by WebAssembly copies that read any row and column
 * strides, so a transposed operand costs nothing more. A WebAssembly loop (source:
 * assembly/fmaGemm.ts) then takes the panels one by one and runs every block of A over each,
 * with 8 accumulators (4 rows x 2 vectors of 4 columns): the panel stays in L1, and the loop reads
 * both operands at constant offsets from one pointer each. This is slightly faster in MLP
 * training, and clearly faster in inference, than the previous version (A read in place, rows
 * recomputed by a multiply at every k; the blocks of A outermost, all of B streamed from L2 or
 * beyond for each; bench/RESULTS.md). Blocks of 5 or 6 rows trained about as fast but ran
 * inference slower.
 * Rows and columns that do not fill a block are covered by one more block that overlaps the
 * previous one (same values written twice). relaxed_madd may round like an FMA or like a
 * multiply then an add, depending on the CPU: results agree with other backends to float
 * rounding, not bit for bit.
 */
import type { tf } from '../tf.js';
import { disposeAll, type WasmKernelArgs } from './stock.js';
import { WasmModule } from '../../wasm/wasmModule.js';

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

/** Rows of A per block and columns of B per panel: the module's tile (ROWS and COLUMNS in assembly/fmaGemm.ts). */
const ROWS = 4;
const COLUMNS = 8;
/**
 * Bytes of packed A multiplied at a time. Packing all of a tall A first (112,500 x 256 for a
 * convolution-shaped product) and streaming it past every panel made such products slower
 * than XNNPACK's (bench/RESULTS.md); a chunk that stays in L2 does not.
 */
const CHUNK_BYTES = 512 * 1024;

/**
 * pack(src, step, kStride, dst, k): for each of k steps of `kStride` from `src`, `width` values
 * `step` apart, into [k][width] at `dst` (byte addresses and strides): a panel of B (8 columns)
 * or a block of A (4 rows), in WebAssembly: packing in JavaScript was a sizeable share of an
 * MLP training step and more of an inference batch, since the weights are packed again for
 * every product (bench/RESULTS.md).
 */
export type Pack = (src: number, step: number, kStride: number, dst: number, k: number) => void;

/**
 * The module: one `Blocks` per epilogue; packContiguous / packStrided make panels of B from
 * contiguous or strided columns, packRowsContiguous / packRows blocks of A from contiguous or
 * strided rows.
 */
type Exports = Record<Epilogue, Blocks> & { packContiguous: Pack; packStrided: Pack; packRowsContiguous: Pack; packRows: Pack };

const MODULE = new WasmModule(new URL('./assembly/fmaGemm.wasm', import.meta.url));

/** The module's functions bound to `backend`'s memory; throws if the module cannot load or bind. */
function fmaExports(backend: Backend): Exports {
  return MODULE.bindToBackend<Exports>(backend);
}

/** Whether `fmaMatMul` handles an [m, n] product: it is big enough for one block of rows and one panel of columns. */
export function canFmaMatMul(m: number, n: number): boolean {
  return m >= ROWS && n >= COLUMNS;
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
  const exports = fmaExports(backend);
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
