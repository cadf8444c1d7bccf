/**
 * The FMA GEMM's inner loops (glue: ../fmaGemm.ts): C[M,N] = A[M,K] B[K,N] in float32 with
 * fused multiply-add (relaxed SIMD's f32x4.relaxed_madd), over operands packed by the `pack*`
 * functions below into the layouts of _fmaTile.ts. The block loop keeps a ROWS x COLUMNS tile
 * of C in 8 vector accumulators (4 rows x 2 vectors of 4 columns), so each k reads 2 vectors of
 * B and 4 floats of A, both at constant offsets from one pointer each, for 8 FMAs. The glue keeps one panel in L1 while every block of a chunk of
 * A passes over it, and must keep ROWS and COLUMNS equal to these.
 */

import { blocks, COLUMNS, ROWS } from './_fmaTile';

// The epilogues the glue picks from (its `Epilogue` type), one export each; parameters as in `blocks`.

export function none(a: usize, b: usize, c: usize, ldc: usize, k: i32, count: i32, biasAt: usize): void {
  blocks(a, b, c, ldc, k, count, biasAt, false, false, false);
}

export function bias(a: usize, b: usize, c: usize, ldc: usize, k: i32, count: i32, biasAt: usize): void {
  blocks(a, b, c, ldc, k, count, biasAt, true, false, false);
}

export function relu(a: usize, b: usize, c: usize, ldc: usize, k: i32, count: i32, biasAt: usize): void {
  blocks(a, b, c, ldc, k, count, biasAt, false, true, false);
}

export function biasRelu(a: usize, b: usize, c: usize, ldc: usize, k: i32, count: i32, biasAt: usize): void {
  blocks(a, b, c, ldc, k, count, biasAt, true, true, false);
}

export function accumulate(a: usize, b: usize, c: usize, ldc: usize, k: i32, count: i32, biasAt: usize): void {
  blocks(a, b, c, ldc, k, count, biasAt, false, false, true);
}

// Packing: for each of k steps of `kStride` bytes from `src`, a panel's 8 (or a block's 4)
// values `step` bytes apart, into [k][width] floats at `dst`. Reading any strides, a transposed
// operand packs as fast as a plain one's strided side.

/** A panel of plain B (its 8 columns contiguous, so `step` is not read): 2 vector copies per k. */
export function packContiguous(src: usize, step: usize, kStride: usize, dst: usize, k: i32): void {
  do {
    v128.store(dst, v128.load(src));
    v128.store(dst, v128.load(src, 16), 16);
    src += kStride;
    dst += COLUMNS * 4;
  } while (--k);
}

/** A panel of transposed B (its 8 columns `step` apart): 8 scalar copies per k. */
export function packStrided(src: usize, step: usize, kStride: usize, dst: usize, k: i32): void {
  do {
    copyFour(copyFour(src, step, dst) + step, step, dst + 16);
    src += kStride;
    dst += COLUMNS * 4;
  } while (--k);
}

/** A block of transposed A (its 4 rows contiguous, so `step` is not read): 1 vector copy per k. */
export function packRowsContiguous(src: usize, step: usize, kStride: usize, dst: usize, k: i32): void {
  do {
    v128.store(dst, v128.load(src));
    src += kStride;
    dst += ROWS * 4;
  } while (--k);
}

/** A block of plain A (its 4 rows `step` apart): 4 scalar copies per k. */
export function packRows(src: usize, step: usize, kStride: usize, dst: usize, k: i32): void {
  do {
    copyFour(src, step, dst);
    src += kStride;
    dst += ROWS * 4;
  } while (--k);
}

/** 4 floats `step` bytes apart from `p` into 4 consecutive floats at `dst`; returns the last one's address. */
@inline
function copyFour(p: usize, step: usize, dst: usize): usize {
  store<f32>(dst, load<f32>(p));
  p += step;
  store<f32>(dst + 4, load<f32>(p));
  p += step;
  store<f32>(dst + 8, load<f32>(p));
  p += step;
  store<f32>(dst + 12, load<f32>(p));
  return p;
}
