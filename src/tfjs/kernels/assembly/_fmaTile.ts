/**
 * The FMA GEMM's tile loop, shared by the modules that multiply packed operands (fmaGemm.ts,
 * winograd.ts). Layouts (all addresses are bytes in the imported memory):
 * - a panel of B: COLUMNS (8) columns of B, [K][8] floats, row k of the panel being 2 vectors;
 * - a block of A: ROWS (4) rows of A, [K][4] floats, column k of the block being 4 floats.
 */

/** Rows of A (and of C) per block. */
export const ROWS = 4;
/** Columns of B (and of C) per panel: two vectors of 4. */
export const COLUMNS = 8;

/**
 * `count` blocks of packed A (one after another from `a`) against the panel at `b`, into C's
 * ROWS x COLUMNS tiles from `c` down, `ldc` bytes per row of C. Before storing, a tile's sums get
 * the 8 values at `biasAt` added (`withBias`), then relu (`withRelu`), then (`accumulate`) what C
 * already holds there. The flags are constants at every call, so each export compiles to its
 * own loop without branches. k and count are at least 1 (the loops test at their end).
 */
@inline
export function blocks(
  a: usize, b: usize, c: usize, ldc: usize, k: i32, count: i32, biasAt: usize,
  withBias: bool, withRelu: bool, accumulate: bool,
): void {
  do {
    // One tile of C: accumulator cRH holds row R, columns 4H..4H+3 of the tile.
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    let bp = b;
    let kk = k;
    // Over k: row k of the panel (2 vectors) times column k of the block (4 floats, each
    // splat to a vector), added into the tile. `a` runs on through the blocks.
    do {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let av = f32x4.splat(load<f32>(a));
      c00 = f32x4.relaxed_madd(av, b0, c00);
      c01 = f32x4.relaxed_madd(av, b1, c01);
      av = f32x4.splat(load<f32>(a, 4));
      c10 = f32x4.relaxed_madd(av, b0, c10);
      c11 = f32x4.relaxed_madd(av, b1, c11);
      av = f32x4.splat(load<f32>(a, 8));
      c20 = f32x4.relaxed_madd(av, b0, c20);
      c21 = f32x4.relaxed_madd(av, b1, c21);
      av = f32x4.splat(load<f32>(a, 12));
      c30 = f32x4.relaxed_madd(av, b0, c30);
      c31 = f32x4.relaxed_madd(av, b1, c31);
      bp += COLUMNS * 4;
      a += ROWS * 4;
    } while (--kk);
    storeRow(c, c00, c01, biasAt, withBias, withRelu, accumulate);
    storeRow(c + ldc, c10, c11, biasAt, withBias, withRelu, accumulate);
    storeRow(c + ldc * 2, c20, c21, biasAt, withBias, withRelu, accumulate);
    storeRow(c + ldc * 3, c30, c31, biasAt, withBias, withRelu, accumulate);
    c += ldc * ROWS;
  } while (--count);
}

/** One row of a tile (its two vectors) into C at `row`, through the epilogue (see `blocks`). */
@inline
function storeRow(row: usize, v0: v128, v1: v128, biasAt: usize, withBias: bool, withRelu: bool, accumulate: bool): void {
  v128.store(row, finish(v0, row, biasAt, 0, withBias, withRelu, accumulate));
  v128.store(row, finish(v1, row, biasAt, 16, withBias, withRelu, accumulate), 16);
}

/** The epilogue of one vector of sums, at byte `offset` within the row of C and the bias. */
@inline
function finish(v: v128, row: usize, biasAt: usize, offset: usize, withBias: bool, withRelu: bool, accumulate: bool): v128 {
  if (withBias) v = f32x4.add(v, v128.load(biasAt + offset));
  if (withRelu) v = f32x4.max(v, f32x4.splat(0));
  if (accumulate) v = f32x4.add(v, v128.load(row + offset));
  return v;
}

