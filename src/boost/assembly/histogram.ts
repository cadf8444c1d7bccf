/**
 * The boosting learner's histogram loops (see ../histogramKernels.ts) over the boost memory
 * (../boostMemory.ts). All pointers are byte addresses in that memory.
 *
 * Layout (../histogramLayout.ts): a bin is four int32s (gradient sum, hessian sum, row count,
 * 0; the gradients in fixed point, `unit` apart) and a feature's histogram is its BINS bins,
 * HIST_BYTES long; the histograms of a node's features lie one after another in the order of
 * its feature list. A row's gradient pair is (g, h, 1, 0) at `gh + row * BIN_BYTES`. The pixels
 * are held twice, feature-major and row-major (see `build`).
 */
import { BATCH, BEST_BIN, BEST_COUNT, BEST_FEATURE, BEST_GAIN, BIN_BYTES, HIST_BYTES } from '../histogramLayout';

/**
 * Builds the histograms of the `nFeatures` features listed at `features` (int32 feature
 * indexes) over the `count` rows at `order` (int32 row indexes) into `hist`, BATCH features per
 * pass: each row's index and gradient pair are loaded once for the batch, and the batch's
 * histograms (16 KB) stay in the L1 data cache. With `scan` set, each batch is scanned while
 * still in cache (see scanFeature), with the node's sums and the constraints that follow.
 *
 * Feature f of row r is the byte at `x + f * featureStride + r * rowStride`: feature-major
 * pixels (featureStride = rows, rowStride = 1) for a big node, whose rows fill each column's
 * cache lines; row-major ones (1, featureCount) for a small node, whose few rows are each read
 * as 13 cache lines that stay in cache across the batches, where a column read would cost a
 * miss per row and feature.
 */
export function build(
  x: usize, featureStride: i32, rowStride: i32, order: usize, count: i32, gh: usize, features: usize, nFeatures: i32, hist: usize,
  scan: i32, best: usize, sumGrad: f64, sumHess: f64, rows: f64, unit: f64, lambda: f64, minChildWeight: f64, minRows: f64,
): void {
  const orderEnd = order + (<usize>count << 2);
  let j = 0;
  while (j < nFeatures) {
    const batch = min(BATCH, nFeatures - j);
    const h = hist + <usize>j * HIST_BYTES;
    memory.fill(h, 0, <usize>batch * HIST_BYTES);
    if (count > 0) {
      if (batch == BATCH) fill4(x, featureStride, rowStride, order, orderEnd, gh, features + (<usize>j << 2), h);
      else for (let k = 0; k < batch; k++) fill1(column(x, featureStride, features, j + k), rowStride, order, orderEnd, gh, h + <usize>k * HIST_BYTES);
    }
    if (scan) {
      for (let k = 0; k < batch; k++) scanFeature(h + <usize>k * HIST_BYTES, j + k, best, sumGrad, sumHess, rows, unit, lambda, minChildWeight, minRows);
    }
    j += batch;
  }
}

/** The byte address of row 0's value of the feature at position `j` of the list at `features`. */
// @ts-ignore: decorator
@inline function column(x: usize, featureStride: i32, features: usize, j: i32): usize {
  return x + <usize>(load<i32>(features + (<usize>j << 2)) * featureStride);
}

/** Four features' histograms (at h, h + HIST_BYTES, ..) over the rows at [order, orderEnd). */
function fill4(x: usize, featureStride: i32, rowStride: i32, order: usize, orderEnd: usize, gh: usize, features: usize, h: usize): void {
  const c0 = column(x, featureStride, features, 0);
  const c1 = column(x, featureStride, features, 1);
  const c2 = column(x, featureStride, features, 2);
  const c3 = column(x, featureStride, features, 3);
  do {
    const row = <usize>load<i32>(order);
    const pair = v128.load(gh + row * BIN_BYTES);
    const at = row * <usize>rowStride;
    // feature k's bin is at h + k * HIST_BYTES + value * BIN_BYTES: k's offset is the immediate
    // offset of the load and store (a literal constant)
    let slot = h + (<usize>load<u8>(c0 + at) << 4);
    v128.store(slot, i32x4.add(v128.load(slot), pair));
    slot = h + (<usize>load<u8>(c1 + at) << 4);
    v128.store(slot, i32x4.add(v128.load(slot, HIST_BYTES), pair), HIST_BYTES);
    slot = h + (<usize>load<u8>(c2 + at) << 4);
    v128.store(slot, i32x4.add(v128.load(slot, 2 * HIST_BYTES), pair), 2 * HIST_BYTES);
    slot = h + (<usize>load<u8>(c3 + at) << 4);
    v128.store(slot, i32x4.add(v128.load(slot, 3 * HIST_BYTES), pair), 3 * HIST_BYTES);
    order += 4;
  } while (order < orderEnd);
}

/** fill4 for one feature: the last features of a list when fewer than four remain. */
function fill1(c: usize, rowStride: i32, order: usize, orderEnd: usize, gh: usize, h: usize): void {
  do {
    const row = <usize>load<i32>(order);
    const slot = h + (<usize>load<u8>(c + row * <usize>rowStride) << 4);
    v128.store(slot, i32x4.add(v128.load(slot), v128.load(gh + row * BIN_BYTES)));
    order += 4;
  } while (order < orderEnd);
}

/**
 * The histograms of a node's bigger child by subtraction: `parent` (nFeatures histograms)
 * minus the smaller child's at `child`, in place in `parent`. With `scan` set, each histogram is
 * scanned as soon as it is made, as in `build`.
 */
export function subtract(
  parent: usize, child: usize, nFeatures: i32,
  scan: i32, best: usize, sumGrad: f64, sumHess: f64, rows: f64, unit: f64, lambda: f64, minChildWeight: f64, minRows: f64,
): void {
  for (let j = 0; j < nFeatures; j++) {
    const p = parent + <usize>j * HIST_BYTES;
    const c = child + <usize>j * HIST_BYTES;
    for (let b: usize = 0; b < <usize>HIST_BYTES; b += BIN_BYTES) v128.store(p + b, i32x4.sub(v128.load(p + b), v128.load(c + b)));
    if (scan) scanFeature(p, j, best, sumGrad, sumHess, rows, unit, lambda, minChildWeight, minRows);
  }
}

/**
 * The best cut of one feature's histogram `h` (position `j` in the node's feature list), kept at
 * `best` when its gain beats the one there (strictly: the first feature and the lowest cut win
 * a tie). Left of the cut after bin b are the rows with value <= b. XGBoost's gain of a split:
 * GL^2 / (HL + lambda) + GR^2 / (HR + lambda) - G^2 / (H + lambda); a side needs a hessian sum
 * of at least minChildWeight and at least minRows rows. The node's sums (sumGrad, sumHess) are
 * in gradient units: the bins' integer sums times `unit`, a power of two, so every sum here is
 * exact. Empty bins are skipped: they add no cut.
 */
function scanFeature(
  h: usize, j: i32, best: usize, sumGrad: f64, sumHess: f64, rows: f64, unit: f64, lambda: f64, minChildWeight: f64, minRows: f64,
): void {
  const parentScore = sumGrad * sumGrad / (sumHess + lambda);
  let bestGain = load<f64>(best, BEST_GAIN << 3);
  let gSum: i64 = 0;
  let hSum: i64 = 0;
  let nl: i32 = 0;
  const n = <i32>rows;
  const least = <i32>minRows;
  // the bins present, 32 at a time: `first` is the first one's address, `bits` their marks, so
  // the loop visits only bins with rows instead of testing 256 whose emptiness a branch
  // predictor cannot guess. The last bin present always ends the loop: nothing is right of it.
  for (let first = h; first < h + HIST_BYTES; first += 32 * BIN_BYTES) {
    let bits = presentBins32(first);
    while (bits != 0) {
      const bin = first + (<usize>ctz(bits) << 4);
      bits &= bits - 1;
      gSum += <i64>load<i32>(bin);
      hSum += <i64>load<i32>(bin, 4);
      nl += load<i32>(bin, 8);
      if (n - nl < least) return; // and fewer still on the right of every later cut
      if (nl < least) continue;
      const gl = <f64>gSum * unit;
      const hl = <f64>hSum * unit;
      const hr = sumHess - hl;
      if (hl < minChildWeight || hr < minChildWeight) continue;
      const gr = sumGrad - gl;
      // gain > bestGain, first without dividing: gl^2 B + gr^2 A > (bestGain + parentScore) A B
      // for A, B > 0 (with a margin far above the products' rounding), and only for the few cuts
      // that pass, the gain itself, compared exactly
      const a = hl + lambda;
      const b = hr + lambda;
      if (gl * gl * b + gr * gr * a < (bestGain + parentScore) * a * b * NEAR) continue;
      const gain = gl * gl / a + gr * gr / b - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        store<f64>(best, gain, BEST_GAIN << 3);
        store<f64>(best, <f64>nl, BEST_COUNT << 3);
        store<f64>(best, <f64>j, BEST_FEATURE << 3);
        store<f64>(best, <f64>((bin - h) >> 4), BEST_BIN << 3);
      }
    }
  }
}

/** Just below 1: the division-free test lets through every cut within 1e-12 of the best gain. */
const NEAR: f64 = 1 - 1e-12;

/** Bit i set when bin i of the 32 bins at `bin` has rows (count lane != 0). */
function presentBins32(bin: usize): u32 {
  let bits: u32 = 0;
  for (let i: u32 = 0; i < 32; i += 4) {
    // the count lanes (2) of four bins into one vector
    const ab = v128.shuffle<i32>(v128.load(bin), v128.load(bin, 16), 2, 6, 2, 6);
    const cd = v128.shuffle<i32>(v128.load(bin, 32), v128.load(bin, 48), 2, 6, 2, 6);
    const counts = v128.shuffle<i32>(ab, cd, 0, 1, 4, 5);
    bits |= <u32>i32x4.bitmask(i32x4.ne(counts, i32x4.splat(0))) << i;
    bin += 4 * BIN_BYTES;
  }
  return bits;
}

/**
 * Splits the `count` rows at `order` by the byte at `column + row`: rows below `threshold` first,
 * then the others, each side in its former order (the right side goes through `spare`). Returns
 * the count on the left.
 */
export function partition(column: usize, threshold: i32, order: usize, count: i32, spare: usize): i32 {
  const orderEnd = order + (<usize>count << 2);
  let left = order;
  let right = spare;
  for (let at = order; at < orderEnd; at += 4) {
    const row = load<i32>(at);
    if (<i32>load<u8>(column + <usize>row) < threshold) {
      store<i32>(left, row);
      left += 4;
    } else {
      store<i32>(right, row);
      right += 4;
    }
  }
  memory.copy(left, spare, right - spare);
  return <i32>((left - order) >> 2);
}

/** The gradient and hessian sums (float64s of the exact integer sums, at `out` and `out + 8`) of the `count` rows at `order`. */
export function sums(order: usize, count: i32, gh: usize, out: usize): void {
  const orderEnd = order + (<usize>count << 2);
  let g: i64 = 0;
  let h: i64 = 0;
  for (let at = order; at < orderEnd; at += 4) {
    const pair = gh + <usize>load<i32>(at) * BIN_BYTES;
    g += <i64>load<i32>(pair);
    h += <i64>load<i32>(pair, 4);
  }
  store<f64>(out, <f64>g);
  store<f64>(out, <f64>h, 8);
}
