/**
 * Winograd's F(4x4, 3x3) convolution (glue: ../winogradConv.ts): a 3x3 convolution, stride 1,
 * padded by 1 on each side ('same'), computed tile by tile. Each 4x4 tile of the output is
 * A^T [(G g G^T) . (B^T d B)] A, where d is the 6x6 patch of input under the tile and g the 3x3
 * filter (Lavin and Gray's matrices, points 0, 1, -1, 2, -2 and infinity): 36 products per tile
 * and channel pair instead of the direct form's 144, 4x fewer multiply-adds, at the price of the
 * transforms around them. Summed over the input channels, the 36 products at each point of the
 * 6x6 are 36 matrix products [tiles, C] x [C, K], run on the FMA GEMM's tile loop (_fmaTile.ts).
 *
 * Each 2D transform is a 1D transform down the columns, into a scratch of 36 vectors, then along
 * the rows. Vectors hold 4 channels: C is a multiple of 4, K of 8.
 *
 * Layouts (byte addresses in the imported memory):
 * - input: [N][HP][WP][C], the image padded by one zero row and column above and to the left and
 *   by enough below and to the right to fill whole tiles (padInput);
 * - transformed filter U: for each of the 36 points, panels of 8 output channels, [C][8] each
 *   (transformFilter);
 * - transformed input V, per chunk of `tc` tiles: for each point, blocks of 4 tiles, [C][4] each:
 *   packed A for the tile loop;
 * - products M, per chunk: for each point, [tc][K];
 * - output: [N][H][W][K].
 */
import { blocks, COLUMNS, ROWS } from './_fmaTile';

/** Output pixels along a tile's side, input pixels along its patch's side, and points of its transform. */
const TILE = 4;
const SIDE = 6;
const POINTS = SIDE * SIDE;
/**
 * Bytes of one vector. The 2D transforms pass through a scratch of 40 vectors that the glue
 * allocates: a 6x4 (or 4x6) half-transformed tile, then a 4x4 one.
 */
const VECTOR = 16;

/**
 * U = G g G^T for every input channel c and output channel k, written as panels (see the file
 * comment), 4 output channels at a time. Filter value (tap, c, k) is at
 * `g + tap * C * K * 4 + c * cStride + k * kStride`, taps row by row; `flip` reads tap 8 - t for
 * tap t (the filter turned by 180 degrees, as the input gradient needs).
 */
export function transformFilter(g: usize, cStride: usize, kStride: usize, flip: bool, c: i32, k: i32, u: usize, scratch: usize): void {
  const tapBytes = <usize>c * k * 4;
  const panelBytes = <usize>c * COLUMNS * 4;
  const pointBytes = <usize>(k / COLUMNS) * panelBytes;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < k; ki += 4) {
      const at = g + <usize>ci * cStride + <usize>ki * kStride;
      // G g, one filter column at a time, into the scratch ([row][column] vectors, 6 rows of 3)...
      for (let s = 0; s < 3; s++) {
        filterLine(taps(at, tapBytes, s, flip, kStride), taps(at, tapBytes, 3 + s, flip, kStride), taps(at, tapBytes, 6 + s, flip, kStride), scratch + VECTOR * <usize>s, VECTOR * 3);
      }
      // ...then each row of G g times G^T: point (r, s) at out + (r * 6 + s) * pointBytes
      const out = u + <usize>(ki / COLUMNS) * panelBytes + <usize>ci * COLUMNS * 4 + <usize>(ki % COLUMNS) * 4;
      for (let r = 0; r < SIDE; r++) {
        const p = scratch + VECTOR * 3 * <usize>r;
        filterLine(v128.load(p), v128.load(p, VECTOR), v128.load(p, VECTOR * 2), out + pointBytes * <usize>(SIDE * r), pointBytes);
      }
    }
  }
}

/** The filter's values at tap `t` (row-major 3x3; tap 8 - t when flipped) for 4 output channels `kStride` bytes apart. */
@inline
function taps(at: usize, tapBytes: usize, t: i32, flip: bool, kStride: usize): v128 {
  const p = at + tapBytes * <usize>(flip ? 8 - t : t);
  if (kStride == 4) return v128.load(p);
  let x = f32x4.splat(load<f32>(p));
  x = f32x4.replace_lane(x, 1, load<f32>(p + kStride));
  x = f32x4.replace_lane(x, 2, load<f32>(p + kStride * 2));
  return f32x4.replace_lane(x, 3, load<f32>(p + kStride * 3));
}

/**
 * G (g0, g1, g2): g0 / 4, -(g0 + g1 + g2) / 6, -(g0 - g1 + g2) / 6, g0 / 24 + g1 / 12 + g2 / 6,
 * g0 / 24 - g1 / 12 + g2 / 6, g2; 6 vectors `stride` bytes apart from `out`.
 */
@inline
function filterLine(g0: v128, g1: v128, g2: v128, out: usize, stride: usize): void {
  const sixth = f32x4.splat(<f32>-1 / 6);
  const sum = f32x4.add(g0, g2);
  const even = f32x4.relaxed_madd(g2, f32x4.splat(<f32>1 / 6), f32x4.mul(g0, f32x4.splat(<f32>1 / 24)));
  const odd = f32x4.mul(g1, f32x4.splat(<f32>1 / 12));
  v128.store(out, f32x4.mul(g0, f32x4.splat(0.25)));
  v128.store(out + stride, f32x4.mul(f32x4.add(sum, g1), sixth));
  v128.store(out + stride * 2, f32x4.mul(f32x4.sub(sum, g1), sixth));
  v128.store(out + stride * 3, f32x4.add(even, odd));
  v128.store(out + stride * 4, f32x4.sub(even, odd));
  v128.store(out + stride * 5, g2);
}

/** Tiles along `size` rows (or columns) of output, the last one perhaps in part. */
@inline
function tilesAlong(size: i32): i32 {
  return (size + TILE - 1) / TILE;
}

/** The first output row, and column, of tile `inImage` of an image `tilesWide` tiles wide (tiles row by row). */
@inline
function tileRow(inImage: i32, tilesWide: i32): i32 {
  return TILE * (inImage / tilesWide);
}

@inline
function tileColumn(inImage: i32, tilesWide: i32): i32 {
  return TILE * (inImage % tilesWide);
}

/** Rows (and columns) of the padded input that `size` rows (columns) of output need: whole tiles, plus one on each side. */
@inline
function paddedSize(size: i32): i32 {
  return tilesAlong(size) * TILE + 2;
}

/** Copies x [N][H][W][C] into the zeroed [N][HP][WP][C] at `xp`, one row and column in from the top left. */
export function padInput(x: usize, n: i32, h: i32, w: i32, c: i32, xp: usize): void {
  const hp = paddedSize(h), wp = paddedSize(w);
  const pixel = <usize>c * 4;
  memory.fill(xp, 0, <usize>n * hp * wp * pixel);
  for (let img = 0; img < n; img++) {
    for (let row = 0; row < h; row++) {
      memory.copy(xp + (<usize>(img * hp + row + 1) * wp + 1) * pixel, x + <usize>(img * h + row) * w * pixel, <usize>w * pixel);
    }
  }
}

/**
 * y = the convolution of x (padded at `xp` by padInput) with the filter transformed at `u`, for
 * all N images, `tc` tiles at a time (a multiple of 4) with V and M at `v` and `m` (sized for
 * `tc`); then + the K values at `biasAt` (when not 0) and relu (when `relu`). `scratch` holds 40
 * vectors.
 */
export function convolve(
  xp: usize, n: i32, h: i32, w: i32, c: i32, u: usize, k: i32, y: usize, biasAt: usize, relu: bool, v: usize, m: usize, tc: i32, scratch: usize,
): void {
  const tilesWide = tilesAlong(w);
  const perImage = tilesAlong(h) * tilesWide;
  const tiles = n * perImage;
  const wp = paddedSize(w), hp = paddedSize(h);
  const vPoint = <usize>tc * c * 4;
  const mPoint = <usize>tc * k * 4;
  const panels = k / COLUMNS;
  const panelBytes = <usize>c * COLUMNS * 4;
  for (let first = 0; first < tiles; first += tc) {
    // V: each tile's B^T d B, channels 4 at a time; tiles past the end are zeros
    for (let t = 0; t < tc; t++) {
      const tile = first + t;
      const dst = v + <usize>(t / ROWS) * c * ROWS * 4 + <usize>(t % ROWS) * 4;
      if (tile >= tiles) {
        for (let point = 0; point < POINTS; point++) {
          for (let ch = 0; ch < c; ch++) store<f32>(dst + <usize>point * vPoint + <usize>ch * ROWS * 4, 0);
        }
        continue;
      }
      const img = tile / perImage, inImage = tile % perImage;
      const src = xp + (<usize>(img * hp + tileRow(inImage, tilesWide)) * wp + tileColumn(inImage, tilesWide)) * c * 4;
      transformInput(src, <usize>wp * c * 4, c, dst, vPoint, ROWS * ROWS * 4, false, scratch);
    }
    // M: one product [tc, C] x [C, K] per point
    for (let point = 0; point < POINTS; point++) {
      for (let p = 0; p < panels; p++) {
        blocks(v + <usize>point * vPoint, u + <usize>(point * panels + p) * panelBytes, m + <usize>point * mPoint + <usize>p * COLUMNS * 4, <usize>k * 4, c, tc / ROWS, 0, false, false, false);
      }
    }
    // y: each tile's A^T M A, through the epilogue, clipped at the image's edge
    const count = min(tc, tiles - first);
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const img = tile / perImage, inImage = tile % perImage;
      const row = tileRow(inImage, tilesWide), column = tileColumn(inImage, tilesWide);
      const dst = y + (<usize>(img * h + row) * w + column) * k * 4;
      transformOutput(m + <usize>t * k * 4, mPoint, k, dst, <usize>w * k * 4, min(TILE, h - row), min(TILE, w - column), biasAt, relu, scratch);
    }
  }
}

/**
 * B^T d B for the 6x6 patch at `src` (rows `rowStride` apart, pixels C * 4 bytes apart), 4
 * channels at a time, into V from `dst`: point p's vector of channels ch .. ch + 3 goes to
 * dst + p * vPoint + (ch / 4) * vectorStride, as one vector (`whole`: the filter gradient's
 * [C / 4][tiles][4]) or one float per channel 16 bytes apart (the convolution's packed A, a
 * block's [C][4]).
 */
@inline
function transformInput(src: usize, rowStride: usize, c: i32, dst: usize, vPoint: usize, vectorStride: usize, whole: bool, scratch: usize): void {
  const pixel = <usize>c * 4;
  for (let ch = 0; ch < c; ch += 4) {
    // B^T d, column by column, into the scratch ([row][column] vectors)
    for (let s = 0; s < SIDE; s++) {
      const p = src + <usize>ch * 4 + pixel * <usize>s;
      inputLine(
        v128.load(p), v128.load(p + rowStride), v128.load(p + rowStride * 2), v128.load(p + rowStride * 3), v128.load(p + rowStride * 4), v128.load(p + rowStride * 5),
        scratch + VECTOR * <usize>s, VECTOR * SIDE, false,
      );
    }
    // then each row times B: point (r, s) at dst + (r * 6 + s) * vPoint
    const out = dst + <usize>(ch / 4) * vectorStride;
    for (let r = 0; r < SIDE; r++) {
      const p = scratch + VECTOR * SIDE * <usize>r;
      inputLine(
        v128.load(p), v128.load(p, VECTOR), v128.load(p, VECTOR * 2), v128.load(p, VECTOR * 3), v128.load(p, VECTOR * 4), v128.load(p, VECTOR * 5),
        out + vPoint * <usize>(SIDE * r), vPoint, !whole,
      );
    }
  }
}

/**
 * B^T (d0 .. d5): 4 d0 - 5 d2 + d4, (d3 + d4) - 4 (d1 + d2), (d4 - d3) + 4 (d1 - d2),
 * (d4 - d2) + 2 (d3 - d1), (d4 - d2) - 2 (d3 - d1), 4 d1 - 5 d3 + d5; 6 vectors `stride` bytes
 * apart from `out`, each stored whole or as a block's 4 channel rows (`scatter`, see storeChannels).
 */
@inline
function inputLine(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, out: usize, stride: usize, scatter: bool): void {
  const four = f32x4.splat(4), five = f32x4.splat(-5), two = f32x4.splat(2);
  const a = f32x4.add(d3, d4), b = f32x4.add(d1, d2);
  const e = f32x4.sub(d4, d3), f = f32x4.sub(d1, d2);
  const g = f32x4.sub(d4, d2), q = f32x4.mul(f32x4.sub(d3, d1), two);
  storeChannels(out, f32x4.relaxed_madd(d2, five, f32x4.relaxed_madd(d0, four, d4)), scatter);
  storeChannels(out + stride, f32x4.relaxed_nmadd(b, four, a), scatter);
  storeChannels(out + stride * 2, f32x4.relaxed_madd(f, four, e), scatter);
  storeChannels(out + stride * 3, f32x4.add(g, q), scatter);
  storeChannels(out + stride * 4, f32x4.sub(g, q), scatter);
  storeChannels(out + stride * 5, f32x4.relaxed_madd(d3, five, f32x4.relaxed_madd(d1, four, d5)), scatter);
}

/** A vector of 4 channels of one tile: whole, or into a block of packed A (one float per channel row, 16 bytes apart). */
@inline
function storeChannels(at: usize, x: v128, scatter: bool): void {
  if (scatter) {
    store<f32>(at, f32x4.extract_lane(x, 0));
    store<f32>(at, f32x4.extract_lane(x, 1), 16);
    store<f32>(at, f32x4.extract_lane(x, 2), 32);
    store<f32>(at, f32x4.extract_lane(x, 3), 48);
  } else {
    v128.store(at, x);
  }
}

/**
 * A^T M A for the tile whose products start at `src` (point p at src + p * mPoint), 4 output
 * channels at a time, into the tile's pixels at `dst` (rows `rowStride` apart): its first `rows`
 * rows and `columns` columns (a height or width that is not a multiple of 4 ends in part of a
 * tile), through the epilogue (+ bias where `biasAt` is not 0, then relu where asked).
 */
@inline
function transformOutput(
  src: usize, mPoint: usize, k: i32, dst: usize, rowStride: usize, rows: i32, columns: i32, biasAt: usize, relu: bool, scratch: usize,
): void {
  const pixel = <usize>k * 4;
  for (let ch = 0; ch < k; ch += 4) {
    const offset = <usize>ch * 4;
    // A^T M, column by column, into the scratch ([row][column] vectors, 4 rows)
    for (let s = 0; s < SIDE; s++) {
      const p = src + offset + mPoint * <usize>s;
      outputLine(
        v128.load(p), v128.load(p + mPoint * 6), v128.load(p + mPoint * 12), v128.load(p + mPoint * 18), v128.load(p + mPoint * 24), v128.load(p + mPoint * 30),
        scratch + VECTOR * <usize>s, VECTOR * SIDE,
      );
    }
    // then each row times A, into the scratch's second half ([row][column], 4 x 4)
    const tile = scratch + VECTOR * SIDE * TILE;
    for (let r = 0; r < TILE; r++) {
      const p = scratch + VECTOR * SIDE * <usize>r;
      outputLine(
        v128.load(p), v128.load(p, VECTOR), v128.load(p, VECTOR * 2), v128.load(p, VECTOR * 3), v128.load(p, VECTOR * 4), v128.load(p, VECTOR * 5),
        tile + VECTOR * TILE * <usize>r, VECTOR,
      );
    }
    const bias = biasAt ? v128.load(biasAt + offset) : f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      for (let s = 0; s < columns; s++) {
        const value = f32x4.add(v128.load(tile + VECTOR * <usize>(TILE * r + s)), bias);
        v128.store(dst + offset + rowStride * <usize>r + pixel * <usize>s, relu ? f32x4.max(value, f32x4.splat(0)) : value);
      }
    }
  }
}

/**
 * A^T (m0 .. m5): m0 + (m1 + m2) + (m3 + m4), (m1 - m2) + 2 (m3 - m4), (m1 + m2) + 4 (m3 + m4),
 * (m1 - m2) + 8 (m3 - m4) + m5; 4 vectors `stride` bytes apart from `out`.
 */
@inline
function outputLine(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, out: usize, stride: usize): void {
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2);
  const e = f32x4.add(m3, m4), f = f32x4.sub(m3, m4);
  v128.store(out, f32x4.add(f32x4.add(m0, a), e));
  v128.store(out + stride, f32x4.relaxed_madd(f, f32x4.splat(2), b));
  v128.store(out + stride * 2, f32x4.relaxed_madd(e, f32x4.splat(4), a));
  v128.store(out + stride * 3, f32x4.add(f32x4.relaxed_madd(f, f32x4.splat(8), b), m5));
}

/**
 * The filter gradient dW [3][3][C][K] at `out` of the convolution of x (padded at `xp` by
 * padInput) whose output gradient is dy [N][H][W][K]. Per tile, the 36 points of B^T d B (V, per
 * chunk [36][C / 4][tiles][4]: packed A of the transposed product) and of A dY A^T (the tile's
 * 4x4 of dy carried back through the output transform; per chunk [36][K / 8][tiles][8]: panels
 * of B) are multiplied over the tiles into dU [36][C][K] at `du`, `tc` tiles at a time; then
 * dW = G^T dU G. `scratch` holds 40 vectors.
 */
export function filterGradient(
  xp: usize, n: i32, h: i32, w: i32, c: i32, dy: usize, k: i32, du: usize, v: usize, dyt: usize, tc: i32, out: usize, scratch: usize,
): void {
  const tilesWide = tilesAlong(w);
  const perImage = tilesAlong(h) * tilesWide;
  const tiles = n * perImage;
  const hp = paddedSize(h), wp = paddedSize(w);
  const duPoint = <usize>c * k * 4;
  memory.fill(du, 0, duPoint * POINTS);
  for (let first = 0; first < tiles; first += tc) {
    // the last chunk's layouts are as long as its tiles, so the products run over no padding
    const count = min(tc, tiles - first);
    const vPoint = <usize>count * c * 4;
    const dPoint = <usize>count * k * 4;
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const img = tile / perImage, inImage = tile % perImage;
      const row = tileRow(inImage, tilesWide), column = tileColumn(inImage, tilesWide);
      const src = xp + (<usize>(img * hp + row) * wp + column) * c * 4;
      transformInput(src, <usize>wp * c * 4, c, v + <usize>t * ROWS * 4, vPoint, <usize>count * ROWS * 4, true, scratch);
      const grad = dy + (<usize>(img * h + row) * w + column) * k * 4;
      transformGradient(grad, <usize>w * k * 4, k, min(TILE, h - row), min(TILE, w - column), dyt + <usize>t * COLUMNS * 4, dPoint, <usize>count * COLUMNS * 4, scratch);
    }
    const panels = k / COLUMNS;
    for (let point = 0; point < POINTS; point++) {
      for (let p = 0; p < panels; p++) {
        blocks(
          v + <usize>point * vPoint, dyt + <usize>point * dPoint + <usize>p * count * COLUMNS * 4, du + <usize>point * duPoint + <usize>p * COLUMNS * 4,
          <usize>k * 4, count, c / ROWS, 0, false, false, true,
        );
      }
    }
  }
  filterFromPoints(du, c, k, out, scratch);
}

/**
 * A dY A^T for the 4x4 of dy at `src` (rows `rowStride` apart; its first `rows` rows and
 * `columns` columns, zeros past them), 4 channels at a time, into panels from `dst`: point p's
 * channels ch .. ch + 3 at dst + p * dPoint + (ch / 8) * panelStride + (ch % 8) * 4.
 */
@inline
function transformGradient(
  src: usize, rowStride: usize, k: i32, rows: i32, columns: i32, dst: usize, dPoint: usize, panelStride: usize, scratch: usize,
): void {
  const pixel = <usize>k * 4;
  const tile = scratch + VECTOR * SIDE * TILE;
  for (let ch = 0; ch < k; ch += 4) {
    // the tile's 4x4 of dy into the scratch's second half, zeros outside the image
    for (let r = 0; r < TILE; r++) {
      for (let s = 0; s < TILE; s++) {
        const inside = r < rows && s < columns;
        v128.store(tile + VECTOR * <usize>(TILE * r + s), inside ? v128.load(src + <usize>ch * 4 + rowStride * <usize>r + pixel * <usize>s) : f32x4.splat(0));
      }
    }
    // A dY, column by column, into the scratch ([row][column] vectors, 6 rows of 4)...
    for (let s = 0; s < TILE; s++) {
      const p = tile + VECTOR * <usize>s;
      gradientLine(v128.load(p), v128.load(p, VECTOR * TILE), v128.load(p, VECTOR * TILE * 2), v128.load(p, VECTOR * TILE * 3), scratch + VECTOR * <usize>s, VECTOR * TILE);
    }
    // ...then each row times A^T: point (r, s) at out + (r * 6 + s) * dPoint
    const out = dst + <usize>(ch / COLUMNS) * panelStride + <usize>(ch % COLUMNS) * 4;
    for (let r = 0; r < SIDE; r++) {
      const p = scratch + VECTOR * TILE * <usize>r;
      gradientLine(v128.load(p), v128.load(p, VECTOR), v128.load(p, VECTOR * 2), v128.load(p, VECTOR * 3), out + dPoint * <usize>(SIDE * r), dPoint);
    }
  }
}

/**
 * A (y0 .. y3): y0, (y0 + y2) + (y1 + y3), (y0 + y2) - (y1 + y3), (y0 + 4 y2) + 2 (y1 + 4 y3),
 * (y0 + 4 y2) - 2 (y1 + 4 y3), y3; 6 vectors `stride` bytes apart from `out`.
 */
@inline
function gradientLine(y0: v128, y1: v128, y2: v128, y3: v128, out: usize, stride: usize): void {
  const four = f32x4.splat(4);
  const even = f32x4.add(y0, y2), odd = f32x4.add(y1, y3);
  const even4 = f32x4.relaxed_madd(y2, four, y0), odd4 = f32x4.relaxed_madd(y3, four, y1);
  v128.store(out, y0);
  v128.store(out + stride, f32x4.add(even, odd));
  v128.store(out + stride * 2, f32x4.sub(even, odd));
  v128.store(out + stride * 3, f32x4.relaxed_madd(odd4, f32x4.splat(2), even4));
  v128.store(out + stride * 4, f32x4.relaxed_nmadd(odd4, f32x4.splat(2), even4));
  v128.store(out + stride * 5, y3);
}

/** dW [3][3][C][K] at `out` = G^T dU G for each channel pair, 4 output channels at a time; dU point p at du + p * C * K * 4. */
function filterFromPoints(du: usize, c: i32, k: i32, out: usize, scratch: usize): void {
  const duPoint = <usize>c * k * 4;
  for (let i = 0; i < c * k; i += 4) {
    const p = du + <usize>i * 4;
    // G^T dU, column by column, into the scratch ([row][column] vectors, 3 rows of 6)...
    for (let s = 0; s < SIDE; s++) {
      const q = p + duPoint * <usize>s;
      filterGradLine(
        v128.load(q), v128.load(q + duPoint * 6), v128.load(q + duPoint * 12), v128.load(q + duPoint * 18), v128.load(q + duPoint * 24), v128.load(q + duPoint * 30),
        scratch + VECTOR * <usize>s, VECTOR * SIDE,
      );
    }
    // ...then each row times G: tap (r, s) at out + (r * 3 + s) * C * K * 4
    for (let r = 0; r < 3; r++) {
      const q = scratch + VECTOR * SIDE * <usize>r;
      filterGradLine(
        v128.load(q), v128.load(q, VECTOR), v128.load(q, VECTOR * 2), v128.load(q, VECTOR * 3), v128.load(q, VECTOR * 4), v128.load(q, VECTOR * 5),
        out + <usize>i * 4 + duPoint * <usize>(3 * r), duPoint,
      );
    }
  }
}

/**
 * G^T (u0 .. u5): u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24, (u2 - u1) / 6 + (u3 - u4) / 12,
 * (u3 + u4 - u1 - u2) / 6 + u5; 3 vectors `stride` bytes apart from `out`.
 */
@inline
function filterGradLine(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128, out: usize, stride: usize): void {
  const sixth = f32x4.splat(<f32>1 / 6);
  const a = f32x4.add(u1, u2), b = f32x4.sub(u2, u1);
  const e = f32x4.add(u3, u4), f = f32x4.sub(u3, u4);
  v128.store(out, f32x4.add(f32x4.mul(u0, f32x4.splat(0.25)), f32x4.relaxed_madd(e, f32x4.splat(<f32>1 / 24), f32x4.mul(a, f32x4.splat(<f32>-1 / 6)))));
  v128.store(out + stride, f32x4.relaxed_madd(f, f32x4.splat(<f32>1 / 12), f32x4.mul(b, sixth)));
  v128.store(out + stride * 2, f32x4.relaxed_madd(f32x4.sub(e, a), sixth, u5));
}

/**
 * dW [3][3][C][K] at `out` of the convolution of x (padded at `xp` by padInput) whose output
 * gradient is dy [N][H][W][K], directly, for inputs too narrow for the Winograd form (C not a
 * multiple of 4: the convnet's first convolution, from one channel): for each input channel and
 * 4 output channels, 9 accumulators (one per tap) over an image's pixels, each dy vector
 * multiplied by the 9 input values under its taps; the images' sums are then added into dW. K is
 * a multiple of 4.
 */
export function filterGradientDirect(xp: usize, n: i32, h: i32, w: i32, c: i32, dy: usize, k: i32, out: usize): void {
  const hp = paddedSize(h), wp = paddedSize(w);
  const pixel = <usize>c * 4;
  const rowBytes = <usize>wp * pixel;
  const tapBytes = <usize>c * k * 4;
  memory.fill(out, 0, tapBytes * 9);
  for (let ci = 0; ci < c; ci++) {
    for (let ch = 0; ch < k; ch += 4) {
      for (let img = 0; img < n; img++) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
        let a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0);
        for (let row = 0; row < h; row++) {
          // the padded input's row `row` is the image's row above: tap (kh, kw) reads row + kh, column + kw
          let x = xp + (<usize>(img * hp + row) * wp) * pixel + <usize>ci * 4;
          let d = dy + (<usize>(img * h + row) * w) * k * 4 + <usize>ch * 4;
          for (let column = 0; column < w; column++) {
            const g = v128.load(d);
            a0 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x)), a0);
            a1 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x + pixel)), a1);
            a2 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x + pixel * 2)), a2);
            a3 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x + rowBytes)), a3);
            a4 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x + rowBytes + pixel)), a4);
            a5 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x + rowBytes + pixel * 2)), a5);
            a6 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x + rowBytes * 2)), a6);
            a7 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x + rowBytes * 2 + pixel)), a7);
            a8 = f32x4.relaxed_madd(g, f32x4.splat(load<f32>(x + rowBytes * 2 + pixel * 2)), a8);
            x += pixel;
            d += <usize>k * 4;
          }
        }
        const at = out + <usize>(ci * k + ch) * 4;
        addInto(at, a0);
        addInto(at + tapBytes, a1);
        addInto(at + tapBytes * 2, a2);
        addInto(at + tapBytes * 3, a3);
        addInto(at + tapBytes * 4, a4);
        addInto(at + tapBytes * 5, a5);
        addInto(at + tapBytes * 6, a6);
        addInto(at + tapBytes * 7, a7);
        addInto(at + tapBytes * 8, a8);
      }
    }
  }
}

@inline
function addInto(at: usize, x: v128): void {
  v128.store(at, f32x4.add(v128.load(at), x));
}
