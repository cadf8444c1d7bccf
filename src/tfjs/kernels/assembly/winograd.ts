/**
 * Winograd's F(2x2, 3x3) convolution (glue: ../winogradConv.ts): a 3x3 convolution, stride 1,
 * padded by 1 on each side ('same'), computed tile by tile. Each 2x2 tile of the output is
 * A^T [(G g G^T) . (B^T d B)] A, where d is the 4x4 patch of input under the tile and g the 3x3
 * filter: 16 products per tile and channel pair instead of the direct form's 36, so 2.25x fewer
 * multiply-adds, at the price of the small transforms around them. Summed over the input
 * channels, the 16 products at each point of the 4x4 are 16 matrix products
 * [tiles, C] x [C, K], run on the FMA GEMM's tile loop (_fmaTile.ts).
 *
 * Layouts (byte addresses in the imported memory):
 * - input: [N][HP][WP][C], the image padded by one zero row and column above and to the left and
 *   by enough below and to the right to fill whole tiles (padInput);
 * - transformed filter U: for each of the 16 points, panels of 8 output channels, [C][8] each
 *   (transformFilter);
 * - transformed input V, per chunk of `tc` tiles: for each point, blocks of 4 tiles, [C][4] each:
 *   packed A for the tile loop;
 * - products M, per chunk: for each point, [tc][K];
 * - output: [N][H][W][K].
 */
import { blocks, COLUMNS, ROWS } from './_fmaTile';

/** Points of a tile's 4x4 transform. */
const POINTS = 16;

/**
 * U = G g G^T for every input channel c and output channel k, written as panels (see the file
 * comment). Filter value (tap, c, k) is at `g + tap * C * K * 4 + c * cStride + k * kStride`,
 * taps row by row; `flip` reads tap 8 - t for tap t (the filter turned by 180 degrees, as the
 * input gradient needs). K is a multiple of 8.
 */
export function transformFilter(g: usize, cStride: usize, kStride: usize, flip: bool, c: i32, k: i32, u: usize): void {
  const tapBytes = <usize>c * k * 4;
  const panelBytes = <usize>c * COLUMNS * 4;
  const pointBytes = <usize>(k / COLUMNS) * panelBytes;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < k; ki++) {
      const at = g + <usize>ci * cStride + <usize>ki * kStride;
      const out = u + <usize>(ki / COLUMNS) * panelBytes + <usize>ci * COLUMNS * 4 + <usize>(ki % COLUMNS) * 4;
      // G g, column by column: rows 0 and 3 are the filter's first and last rows, rows 1 and 2
      // half the column's sum and half its alternating sum.
      const g00 = tap(at, tapBytes, 0, flip), g10 = tap(at, tapBytes, 3, flip), g20 = tap(at, tapBytes, 6, flip);
      const g01 = tap(at, tapBytes, 1, flip), g11 = tap(at, tapBytes, 4, flip), g21 = tap(at, tapBytes, 7, flip);
      const g02 = tap(at, tapBytes, 2, flip), g12 = tap(at, tapBytes, 5, flip), g22 = tap(at, tapBytes, 8, flip);
      // then each row of G g times G^T, the same way along the row
      filterRow(out, pointBytes, 0, g00, g01, g02);
      filterRow(out, pointBytes, 1, f32(0.5) * (g00 + g10 + g20), f32(0.5) * (g01 + g11 + g21), f32(0.5) * (g02 + g12 + g22));
      filterRow(out, pointBytes, 2, f32(0.5) * (g00 - g10 + g20), f32(0.5) * (g01 - g11 + g21), f32(0.5) * (g02 - g12 + g22));
      filterRow(out, pointBytes, 3, g20, g21, g22);
    }
  }
}

/** Filter value at tap `t` (row-major 3x3), or at tap 8 - t when flipped. */
@inline
function tap(at: usize, tapBytes: usize, t: i32, flip: bool): f32 {
  return load<f32>(at + tapBytes * <usize>(flip ? 8 - t : t));
}

/** Row r of U from row r of G g (a, b, e): points 4r .. 4r + 3, `pointBytes` apart. */
@inline
function filterRow(out: usize, pointBytes: usize, r: i32, a: f32, b: f32, e: f32): void {
  const row = out + pointBytes * <usize>(4 * r);
  store<f32>(row, a);
  store<f32>(row + pointBytes, f32(0.5) * (a + b + e));
  store<f32>(row + pointBytes * 2, f32(0.5) * (a - b + e));
  store<f32>(row + pointBytes * 3, e);
}

/** Rows (and columns) of the padded input that `size` rows (columns) of output need: whole tiles, plus one on each side. */
@inline
function paddedSize(size: i32): i32 {
  return ((size + 1) >> 1) * 2 + 2;
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
 * `tc`); then + the K values at `biasAt` (when not 0) and relu (when `relu`). C is a multiple of
 * 4, K of 8.
 */
export function convolve(xp: usize, n: i32, h: i32, w: i32, c: i32, u: usize, k: i32, y: usize, biasAt: usize, relu: bool, v: usize, m: usize, tc: i32): void {
  const tilesHigh = (h + 1) >> 1, tilesWide = (w + 1) >> 1;
  const perImage = tilesHigh * tilesWide;
  const tiles = n * perImage;
  const hp = paddedSize(h), wp = paddedSize(w);
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
      const src = xp + (<usize>(img * hp + 2 * (inImage / tilesWide)) * wp + <usize>(2 * (inImage % tilesWide))) * c * 4;
      transformInput(src, <usize>wp * c * 4, <usize>c * 4, c, dst, vPoint, ROWS * ROWS * 4, false);
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
      const row = 2 * (inImage / tilesWide), column = 2 * (inImage % tilesWide);
      const dst = y + (<usize>(img * h + row) * w + column) * k * 4;
      transformOutput(m + <usize>t * k * 4, mPoint, k, dst, <usize>w * k * 4, row + 1 < h, column + 1 < w, biasAt, relu);
    }
  }
}

/**
 * B^T d B for the 4x4 patch at `src` (rows `rowStride` apart, pixels `pixel` apart), 4 channels
 * at a time, into V from `dst`: point p's vector of channels ch .. ch + 3 goes to
 * dst + p * vPoint + (ch / 4) * vectorStride, as one vector (`whole`: the filter gradient's
 * [C / 4][tiles][4]) or one float per channel 16 bytes apart (the convolution's packed A, a
 * block's [C][4]).
 */
@inline
function transformInput(src: usize, rowStride: usize, pixel: usize, c: i32, dst: usize, vPoint: usize, vectorStride: usize, whole: bool): void {
  for (let ch = 0; ch < c; ch += 4) {
    const p = src + <usize>ch * 4;
    // B^T d, column by column: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3
    let d0 = v128.load(p), d1 = v128.load(p + rowStride), d2 = v128.load(p + rowStride * 2), d3 = v128.load(p + rowStride * 3);
    const t00 = f32x4.sub(d0, d2), t10 = f32x4.add(d1, d2), t20 = f32x4.sub(d2, d1), t30 = f32x4.sub(d1, d3);
    let q = p + pixel;
    d0 = v128.load(q); d1 = v128.load(q + rowStride); d2 = v128.load(q + rowStride * 2); d3 = v128.load(q + rowStride * 3);
    const t01 = f32x4.sub(d0, d2), t11 = f32x4.add(d1, d2), t21 = f32x4.sub(d2, d1), t31 = f32x4.sub(d1, d3);
    q += pixel;
    d0 = v128.load(q); d1 = v128.load(q + rowStride); d2 = v128.load(q + rowStride * 2); d3 = v128.load(q + rowStride * 3);
    const t02 = f32x4.sub(d0, d2), t12 = f32x4.add(d1, d2), t22 = f32x4.sub(d2, d1), t32 = f32x4.sub(d1, d3);
    q += pixel;
    d0 = v128.load(q); d1 = v128.load(q + rowStride); d2 = v128.load(q + rowStride * 2); d3 = v128.load(q + rowStride * 3);
    const t03 = f32x4.sub(d0, d2), t13 = f32x4.add(d1, d2), t23 = f32x4.sub(d2, d1), t33 = f32x4.sub(d1, d3);
    // then each row times B, the same way along the row
    const out = dst + <usize>(ch / 4) * vectorStride;
    inputRow(out, vPoint, 0, t00, t01, t02, t03, whole);
    inputRow(out, vPoint, 1, t10, t11, t12, t13, whole);
    inputRow(out, vPoint, 2, t20, t21, t22, t23, whole);
    inputRow(out, vPoint, 3, t30, t31, t32, t33, whole);
  }
}

/** Row r of B^T d B from row r of B^T d: points 4r .. 4r + 3, `vPoint` apart (see transformInput). */
@inline
function inputRow(out: usize, vPoint: usize, r: i32, a0: v128, a1: v128, a2: v128, a3: v128, whole: bool): void {
  const at = out + vPoint * <usize>(4 * r);
  storeChannels(at, f32x4.sub(a0, a2), whole);
  storeChannels(at + vPoint, f32x4.add(a1, a2), whole);
  storeChannels(at + vPoint * 2, f32x4.sub(a2, a1), whole);
  storeChannels(at + vPoint * 3, f32x4.sub(a1, a3), whole);
}

/** A vector of 4 channels of one tile: whole, or into a block of packed A (one float per channel row, 16 bytes apart). */
@inline
function storeChannels(at: usize, x: v128, whole: bool): void {
  if (whole) {
    v128.store(at, x);
  } else {
    store<f32>(at, f32x4.extract_lane(x, 0));
    store<f32>(at, f32x4.extract_lane(x, 1), 16);
    store<f32>(at, f32x4.extract_lane(x, 2), 32);
    store<f32>(at, f32x4.extract_lane(x, 3), 48);
  }
}

/**
 * A^T M A for the tile whose products start at `src` (point p at src + p * mPoint), 4 output
 * channels at a time, into the 2x2 pixels at `dst` (rows `rowStride` apart); the bottom row and
 * right column only where `bottom` and `right` (an odd height or width ends in a half tile).
 */
@inline
function transformOutput(src: usize, mPoint: usize, k: i32, dst: usize, rowStride: usize, bottom: bool, right: bool, biasAt: usize, relu: bool): void {
  const pixel = <usize>k * 4;
  for (let ch = 0; ch < k; ch += 4) {
    const offset = <usize>ch * 4;
    // A^T M, column by column: rows m0 + m1 + m2 and m1 - m2 - m3
    const a00 = outputSum(src + offset, mPoint, 0), a10 = outputDifference(src + offset, mPoint, 0);
    const a01 = outputSum(src + offset, mPoint, 1), a11 = outputDifference(src + offset, mPoint, 1);
    const a02 = outputSum(src + offset, mPoint, 2), a12 = outputDifference(src + offset, mPoint, 2);
    const a03 = outputSum(src + offset, mPoint, 3), a13 = outputDifference(src + offset, mPoint, 3);
    const bias = biasAt ? v128.load(biasAt + offset) : f32x4.splat(0);
    const at = dst + offset;
    // then each row times A, the same way along the row
    v128.store(at, finish(f32x4.add(f32x4.add(a00, a01), a02), bias, relu));
    if (right) v128.store(at + pixel, finish(f32x4.sub(f32x4.sub(a01, a02), a03), bias, relu));
    if (bottom) {
      v128.store(at + rowStride, finish(f32x4.add(f32x4.add(a10, a11), a12), bias, relu));
      if (right) v128.store(at + rowStride + pixel, finish(f32x4.sub(f32x4.sub(a11, a12), a13), bias, relu));
    }
  }
}

/** m0s + m1s + m2s: column s of the first row of A^T M. */
@inline
function outputSum(src: usize, mPoint: usize, s: i32): v128 {
  const p = src + mPoint * <usize>s;
  return f32x4.add(f32x4.add(v128.load(p), v128.load(p + mPoint * 4)), v128.load(p + mPoint * 8));
}

/** m1s - m2s - m3s: column s of the second row of A^T M. */
@inline
function outputDifference(src: usize, mPoint: usize, s: i32): v128 {
  const p = src + mPoint * <usize>s;
  return f32x4.sub(f32x4.sub(v128.load(p + mPoint * 4), v128.load(p + mPoint * 8)), v128.load(p + mPoint * 12));
}

/** The epilogue: + bias, then relu when asked. */
@inline
function finish(x: v128, bias: v128, relu: bool): v128 {
  const sum = f32x4.add(x, bias);
  return relu ? f32x4.max(sum, f32x4.splat(0)) : sum;
}

/**
 * The filter gradient dW [3][3][C][K] at `out` of the convolution of x (padded at `xp` by
 * padInput) whose output gradient is dy [N][H][W][K]. Per tile, the 16 points of B^T d B (V, per
 * chunk [16][C / 4][tiles][4]: packed A of the transposed product) and of A dY A^T (the
 * output's 2x2 of dy carried back through the output transform; per chunk [16][K / 8][tiles][8]:
 * panels of B) are multiplied over the tiles into dU [16][C][K] at `du`, `tc` tiles at a time;
 * then dW = G^T dU G. C is a multiple of 4, K of 8.
 */
export function filterGradient(xp: usize, n: i32, h: i32, w: i32, c: i32, dy: usize, k: i32, du: usize, v: usize, dyt: usize, tc: i32, out: usize): void {
  const tilesHigh = (h + 1) >> 1, tilesWide = (w + 1) >> 1;
  const perImage = tilesHigh * tilesWide;
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
      const row = 2 * (inImage / tilesWide), column = 2 * (inImage % tilesWide);
      const src = xp + (<usize>(img * hp + row) * wp + column) * c * 4;
      transformInput(src, <usize>wp * c * 4, <usize>c * 4, c, v + <usize>t * ROWS * 4, vPoint, <usize>count * ROWS * 4, true);
      const grad = dy + (<usize>(img * h + row) * w + column) * k * 4;
      transformGradient(grad, <usize>w * k * 4, k, row + 1 < h, column + 1 < w, dyt + <usize>t * COLUMNS * 4, dPoint, <usize>count * COLUMNS * 4);
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
  filterFromPoints(du, c, k, out);
}

/**
 * A dY A^T for the 2x2 of dy at `src` (rows `rowStride` apart; the bottom row and right column
 * only where `bottom` and `right`, else zeros), 4 channels at a time, into panels from `dst`:
 * point p's channels ch .. ch + 3 at dst + p * dPoint + (ch / 8) * panelStride + (ch % 8) * 4.
 */
@inline
function transformGradient(src: usize, rowStride: usize, k: i32, bottom: bool, right: bool, dst: usize, dPoint: usize, panelStride: usize): void {
  const pixel = <usize>k * 4;
  const zero = f32x4.splat(0);
  for (let ch = 0; ch < k; ch += 4) {
    const p = src + <usize>ch * 4;
    const y00 = v128.load(p);
    const y01 = right ? v128.load(p + pixel) : zero;
    const y10 = bottom ? v128.load(p + rowStride) : zero;
    const y11 = bottom && right ? v128.load(p + rowStride + pixel) : zero;
    const out = dst + <usize>(ch / COLUMNS) * panelStride + <usize>(ch % COLUMNS) * 4;
    // A y, row by row: y0, y0 + y1, y0 - y1, -y1; then each row times A^T the same way
    gradientRow(out, dPoint, 0, y00, y01);
    gradientRow(out, dPoint, 1, f32x4.add(y00, y10), f32x4.add(y01, y11));
    gradientRow(out, dPoint, 2, f32x4.sub(y00, y10), f32x4.sub(y01, y11));
    gradientRow(out, dPoint, 3, f32x4.neg(y10), f32x4.neg(y11));
  }
}

/** Row r of A dY A^T from row r of A dY (a, b): a, a + b, a - b, -b at points 4r .. 4r + 3. */
@inline
function gradientRow(out: usize, dPoint: usize, r: i32, a: v128, b: v128): void {
  const at = out + dPoint * <usize>(4 * r);
  v128.store(at, a);
  v128.store(at + dPoint, f32x4.add(a, b));
  v128.store(at + dPoint * 2, f32x4.sub(a, b));
  v128.store(at + dPoint * 3, f32x4.neg(b));
}

/** dW [3][3][C][K] at `out` = G^T dU G for each channel pair, 4 output channels at a time; dU point p at du + p * C * K * 4. */
function filterFromPoints(du: usize, c: i32, k: i32, out: usize): void {
  const duPoint = <usize>c * k * 4;
  for (let i = 0; i < c * k; i += 4) {
    const p = du + <usize>i * 4;
    // G^T dU, column by column: rows u0 + (u1 + u2) / 2, (u1 - u2) / 2, (u1 + u2) / 2 + u3
    const a00 = pointsSum(p, duPoint, 0), a10 = pointsHalfDifference(p, duPoint, 0), a20 = pointsLast(p, duPoint, 0);
    const a01 = pointsSum(p, duPoint, 1), a11 = pointsHalfDifference(p, duPoint, 1), a21 = pointsLast(p, duPoint, 1);
    const a02 = pointsSum(p, duPoint, 2), a12 = pointsHalfDifference(p, duPoint, 2), a22 = pointsLast(p, duPoint, 2);
    const a03 = pointsSum(p, duPoint, 3), a13 = pointsHalfDifference(p, duPoint, 3), a23 = pointsLast(p, duPoint, 3);
    // then each row times G, the same way along the row; tap t at out + t * C * K * 4
    const at = out + <usize>i * 4;
    tapRow(at, duPoint, 0, a00, a01, a02, a03);
    tapRow(at, duPoint, 1, a10, a11, a12, a13);
    tapRow(at, duPoint, 2, a20, a21, a22, a23);
  }
}

const HALF = f32x4.splat(0.5);

/** u0s + (u1s + u2s) / 2 for column s of the points at `p`. */
@inline
function pointsSum(p: usize, duPoint: usize, s: i32): v128 {
  const q = p + duPoint * <usize>s;
  return f32x4.relaxed_madd(f32x4.add(v128.load(q + duPoint * 4), v128.load(q + duPoint * 8)), HALF, v128.load(q));
}

/** (u1s - u2s) / 2. */
@inline
function pointsHalfDifference(p: usize, duPoint: usize, s: i32): v128 {
  const q = p + duPoint * <usize>s;
  return f32x4.mul(f32x4.sub(v128.load(q + duPoint * 4), v128.load(q + duPoint * 8)), HALF);
}

/** (u1s + u2s) / 2 + u3s. */
@inline
function pointsLast(p: usize, duPoint: usize, s: i32): v128 {
  const q = p + duPoint * <usize>s;
  return f32x4.relaxed_madd(f32x4.add(v128.load(q + duPoint * 4), v128.load(q + duPoint * 8)), HALF, v128.load(q + duPoint * 12));
}

/** Taps 3r .. 3r + 2 from row r of G^T dU (a0 .. a3): a0 + (a1 + a2) / 2, (a1 - a2) / 2, (a1 + a2) / 2 + a3. */
@inline
function tapRow(at: usize, tapBytes: usize, r: i32, a0: v128, a1: v128, a2: v128, a3: v128): void {
  const row = at + tapBytes * <usize>(3 * r);
  const half = f32x4.mul(f32x4.add(a1, a2), HALF);
  v128.store(row, f32x4.add(a0, half));
  v128.store(row + tapBytes, f32x4.mul(f32x4.sub(a1, a2), HALF));
  v128.store(row + tapBytes * 2, f32x4.add(half, a3));
}
