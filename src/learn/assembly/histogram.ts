/**
 * The tree learner's split-search loops (see ../splitSearch.ts and ../histogramKernels.ts) over
 * the tree memory (../treeMemory.ts). All pointers are byte addresses in that memory.
 *
 * Histogram layout (../histogramLayout.ts): a feature's histogram is VALUES x MAX_CLASSES uint16
 * counts, slot `value << 4 | class`, so a value's 16 class counts are 32 contiguous bytes; its
 * marks are VALUES bytes, 0xff where the value occurs at the node. A batch of features lays its
 * histograms HIST_BYTES apart and its marks SEEN_BYTES apart.
 */
import { HIST_BYTES, MAX_CLASSES, SCAN_BEST, SEEN_BYTES, VALUES } from '../histogramLayout';

/** Bytes from a value's left class counts to its node totals in `counts` (float64s). */
const RIGHT: usize = MAX_CLASSES * 8;

/**
 * For the `count` samples at `order` (int32 sample indexes, with uint8 labels and uint16 weights
 * alongside), feature j's value of sample s is the byte at `vj + s * sampleStep`; its weight is
 * added to uint16 `hist[j * SLOTS + (value << 4 | label)]` and byte `seen[j * VALUES + value]`
 * is set to 0xff. Four features per pass: each sample's index, label and weight are read once
 * for all four, and the four histograms (32 KB of uint16 counts) stay in the L1 data cache with
 * their marks. A mark is a plain byte store (no read-modify-write of a bit set); the scan turns
 * the marks into bits 16 at a time.
 */
export function fill4(
  v0: usize, v1: usize, v2: usize, v3: usize, sampleStep: i32,
  order: usize, labels: usize, weights: usize, count: i32, hist: usize, seen: usize,
): void {
  if (count == 0) return;
  const orderEnd = order + (<usize>count << 2);
  do {
    const offset = <usize>(load<i32>(order) * sampleStep);
    const row = hist + (<usize>load<u8>(labels) << 1);
    const weight = <u32>load<u16>(weights);
    // feature j: hist[j][value << 4 | label] += weight, seen[j][value] = 0xff; j's histogram and
    // marks are the immediate offsets of the loads and stores, so the four share `row` and `seen`
    // (written out: an immediate offset must be a literal constant, not an inlined argument)
    let value = <usize>load<u8>(v0 + offset);
    let slot = row + (value << 5);
    store<u16>(slot, <u32>load<u16>(slot) + weight);
    store<u8>(seen + value, 0xff);
    value = <usize>load<u8>(v1 + offset);
    slot = row + (value << 5);
    store<u16>(slot, <u32>load<u16>(slot, HIST_BYTES) + weight, HIST_BYTES);
    store<u8>(seen + value, 0xff, SEEN_BYTES);
    value = <usize>load<u8>(v2 + offset);
    slot = row + (value << 5);
    store<u16>(slot, <u32>load<u16>(slot, 2 * HIST_BYTES) + weight, 2 * HIST_BYTES);
    store<u8>(seen + value, 0xff, 2 * SEEN_BYTES);
    value = <usize>load<u8>(v3 + offset);
    slot = row + (value << 5);
    store<u16>(slot, <u32>load<u16>(slot, 3 * HIST_BYTES) + weight, 3 * HIST_BYTES);
    store<u8>(seen + value, 0xff, 3 * SEEN_BYTES);
    labels += 1;
    weights += 2;
    order += 4;
  } while (order < orderEnd);
}

/** fill4 for one feature: the last features of a node when fewer than four remain. */
export function fill1(
  v0: usize, sampleStep: i32, order: usize, labels: usize, weights: usize, count: i32, hist: usize, seen: usize,
): void {
  if (count == 0) return;
  const orderEnd = order + (<usize>count << 2);
  do {
    const offset = <usize>(load<i32>(order) * sampleStep);
    const row = hist + (<usize>load<u8>(labels) << 1);
    const value = <usize>load<u8>(v0 + offset);
    const slot = row + (value << 5);
    store<u16>(slot, <u32>load<u16>(slot) + <u32>load<u16>(weights));
    store<u8>(seen + value, 0xff);
    labels += 1;
    weights += 2;
    order += 4;
  } while (order < orderEnd);
}

/**
 * One feature's histogram (at `hist`, `seen`) scanned and cleared, as splitSearch.ts describes
 * the search: the values present in order, and for each the classes present; the candidate cut
 * below a value counts unless that value and the one before it each hold a single class, the
 * same. `counts` holds float64 class counts: left (zeroed here) at [0, 16), the node's totals at
 * [16, 32). Returns the threshold of the best proxy over `best`, or -1, and leaves that proxy at
 * float64 `counts[SCAN_BEST]`.
 *
 * The float64 operations are those of the JavaScript scan this replaced, in the same order (a
 * different order would round differently and could pick different splits).
 */
export function scan(hist: usize, seen: usize, counts: usize, rightSqStart: f64, totalWeight: f64, best: f64): i32 {
  const zero = i8x16.splat(0);
  // left counts = 0 (MAX_CLASSES float64s, two per vector)
  v128.store(counts, zero, 0);
  v128.store(counts, zero, 16);
  v128.store(counts, zero, 32);
  v128.store(counts, zero, 48);
  v128.store(counts, zero, 64);
  v128.store(counts, zero, 80);
  v128.store(counts, zero, 96);
  v128.store(counts, zero, 112);
  let bestThreshold = -1;
  let prev = -1;
  let prevClass = -1;
  let leftSq = 0.0;
  let rightSq = rightSqStart;
  let leftWeight = 0.0;
  // the values present, 32 at a time: `word` is the first, `bits` their marks (cleared here) as
  // bits, so the loop visits only the values present instead of testing 256 bins whose emptiness
  // a branch predictor cannot guess
  let word = 0;
  do {
    const marks = seen + <usize>word;
    let bits = i8x16.bitmask(v128.load(marks)) | (i8x16.bitmask(v128.load(marks, 16)) << 16);
    v128.store(marks, zero);
    v128.store(marks, zero, 16);
    while (bits != 0) {
      const value = word + ctz(bits);
      bits &= bits - 1;
      const cutLeftSq = leftSq;
      const cutRightSq = rightSq;
      // the classes present at this value: its 16 slots compared with 0, one bit each
      const bin = hist + (<usize>value << 5);
      let classes = i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.ne(v128.load(bin), zero), i16x8.ne(v128.load(bin, 16), zero)));
      // the single class of this value's samples, or -1
      const binClass = (classes & (classes - 1)) == 0 ? ctz(classes) : -1;
      let binWeight = 0.0;
      // each class present: its count moves from right to left, and the sums of squares follow
      do {
        const cls = <usize>ctz(classes);
        const slot = bin + (cls << 1);
        const c = <f64><i32>load<u16>(slot);
        store<u16>(slot, 0);
        classes &= classes - 1;
        binWeight += c;
        const at = counts + (cls << 3);
        const left = load<f64>(at);
        // leftSq += c * (2 * left + c); rightSq += c * (c - 2 * (right - left)); left += c
        leftSq = leftSq + c * (2 * left + c);
        rightSq = rightSq + c * (c - 2 * (load<f64>(at, RIGHT) - left));
        store<f64>(at, left + c);
      } while (classes != 0);
      // the cut below this value, if there is a value before it and it is not inside one class
      if ((prev >= 0) & ((binClass < 0) | (binClass != prevClass))) {
        const proxy = cutLeftSq / leftWeight + cutRightSq / (totalWeight - leftWeight);
        if (proxy > best) {
          best = proxy;
          bestThreshold = (prev + value) >> 1;
        }
      }
      leftWeight = leftWeight + binWeight;
      prev = value;
      prevClass = binClass;
    }
    word += 32;
  } while (word < VALUES);
  store<f64>(counts, best, SCAN_BEST * 8);
  return bestThreshold;
}

/**
 * Copies the `width`-byte rows of the `count` samples at `order` from `rows` to consecutive rows
 * at `gathered`, and renumbers `order` 0, 1, .. (the samples' rows there).
 */
export function gather(rows: usize, order: usize, count: i32, width: i32, gathered: usize): void {
  if (count == 0) return;
  let i: u32 = 0;
  do {
    memory.copy(gathered + <usize>(i * width), rows + <usize>(load<i32>(order) * width), <usize>width);
    store<i32>(order, i);
    order += 4;
  } while (++i < <u32>count);
}

/** 1 when the byte at `column + s * sampleStep` is the same for every one of the `count` samples s at `order`, else 0. */
export function isConstant(column: usize, sampleStep: i32, order: usize, count: i32): i32 {
  const orderEnd = order + (<usize>count << 2);
  const first = load<u8>(column + <usize>(load<i32>(order) * sampleStep));
  while ((order += 4) < orderEnd) {
    if (load<u8>(column + <usize>(load<i32>(order) * sampleStep)) != first) return 0;
  }
  return 1;
}
