/**
 * The split search's two loops as WebAssembly. The fill: for each sample of a node, its weight
 * is added to the (value, class) slot of each feature's histogram, and the value is marked
 * seen (the marks the scan walks). The scan: the histogram's values in order, each
 * threshold's Gini proxy (see splitSearch.ts). The fill was most of a tree's fit (a decision
 * tree on 48,000 images: 59% of the time in the V8-compiled JavaScript loop, --cpu-prof), and
 * V8 spends ~57 instructions per increment on it (callgrind): typed-array bounds checks and
 * element-kind guards. The same loop in wasm, over the same arrays, fills all 784 features of
 * 48,000 samples in 91 ms against 253 ms (2,000 gathered rows: 8.5 against 11.4 ms).
 */
import {
  BLOCK,
  BR,
  BR_IF,
  END,
  F64,
  F64_ADD,
  F64_CONVERT_I32_S,
  F64_DIV,
  F64_GT,
  F64_MUL,
  F64_SUB,
  F64_ZERO,
  GET,
  I32,
  I32_ADD,
  I32_AND,
  I32_CONST,
  I32_CTZ,
  I32_EQZ,
  I32_GE_S,
  I32_LOAD16_U,
  I32_LOAD8_U,
  I32_LT_S,
  I32_LT_U,
  I32_MUL,
  I32_NE,
  I32_OR,
  I32_SHL,
  I32_SHR_S,
  I32_SUB,
  I8X16_BITMASK,
  I8X16_NARROW_I16X8_S,
  I16X8_NE,
  IF,
  LOOP,
  MEMORY_COPY,
  RETURN,
  SELECT,
  SET,
  TEE,
  V128_ZERO,
  VOID,
  assemble,
  loadAt,
  f64LoadAt,
  f64StoreAt,
  i32Load16At,
  i32LoadAt,
  i32Store16At,
  i32Store8At,
  storeAt,
  i32StoreAt,
  type SimdFunction,
} from '../wasm/assembler.js';

/** Distinct uint8 values a feature can take. */
export const VALUES = 256;
/** Histogram slots per value: a power of two >= the number of classes, so `(v << 4) | class`. */
export const MAX_CLASSES = 16;
/** Int32 slots of one feature's histogram. */
export const SLOTS = VALUES * MAX_CLASSES;
/** Bytes of one feature's histogram (uint16 counts) and marks of the values present (a byte each): a batch slot's strides. */
export const SLOT_BYTES = { hist: SLOTS * 2, seen: VALUES } as const;
/** The most a tree's sample weights may sum to: a histogram count is a uint16. */
export const MAX_TOTAL_WEIGHT = 0xffff;
/** Features filled per pass over a node's samples: each sample's index, label and weight are read once for all. */
export const BATCH = 4;

/**
 * `fill4(v0, v1, v2, v3, sampleStep, order, labels, weights, count, hist, seen)` and
 * `fill1(v0, ...)`, all byte addresses but `sampleStep` and `count`: for the `count` samples at
 * `order` (int32 sample indexes, with uint8 labels and uint16 weights alongside), feature j's
 * value of sample s is the byte at `vj + s * sampleStep`; its weight goes to uint16
 * `hist[j * SLOTS + (value << 4 | label)]` and byte `seen[j * VALUES + value]` is set to 0xff.
 * A mark is a plain store where a bit set was a read-modify-write of a word, the scan turning the
 * marks into bits 16 at a time (i8x16.bitmask): in one process alternating, 10 forest trees took
 * 0.90 and the decision tree 0.78 of the time (median of paired runs), trees bit for bit the same.
 *
 * 16-bit counts keep the four histograms in 32 KB, inside the 48 KB L1 data cache with the
 * marks (32-bit ones took 64 KB): one thread, 10 forest trees, in-process A/B: 7% faster. The
 * learner therefore takes at most MAX_TOTAL_WEIGHT (weighted) samples per tree.
 */
export interface HistogramKernels {
  fill4(v0: number, v1: number, v2: number, v3: number, sampleStep: number, order: number, labels: number, weights: number, count: number, hist: number, seen: number): void;
  fill1(v0: number, sampleStep: number, order: number, labels: number, weights: number, count: number, hist: number, seen: number): void;
  /**
   * One feature's histogram (at `hist`, `seen`) scanned and cleared. `counts`
   * holds float64 class counts: left (zeroed here) at [0, 16), the node's totals at [16, 32).
   * Returns the threshold of the best proxy over `best`, or -1, and leaves that proxy at
   * float64 `counts[SCAN_BEST]`.
   */
  scan(hist: number, seen: number, counts: number, rightSqStart: number, totalWeight: number, best: number): number;
  /**
   * Copies the `width`-byte rows of the `count` samples at `order` from `rows` to consecutive
   * rows at `gathered`, and renumbers `order` 0, 1, .. (the samples' rows there).
   */
  gather(rows: number, order: number, count: number, width: number, gathered: number): void;
  /** 1 when the byte at `column + s * sampleStep` is the same for every one of the `count` samples s at `order`, else 0. */
  isConstant(column: number, sampleStep: number, order: number, count: number): number;
}

/** Where `scan` leaves its best proxy, in float64s from `counts`. */
export const SCAN_BEST = 2 * MAX_CLASSES;

/** The fill over `features` feature columns at once (their base addresses are the first parameters). */
function fill(features: number): SimdFunction {
  const [step, order, labels, weights, count, hist, seen] = Array.from({ length: 7 }, (_, i) => features + i);
  const [offset, row, weight, value, address, orderEnd] = Array.from({ length: 6 }, (_, i) => features + 7 + i);
  const feature = (j: number) => [
    GET, j, GET, offset, I32_ADD, ...I32_LOAD8_U, SET, value,
    // hist[j][value << 4 | label] += weight (as a byte address: value << 5 | label << 1, the label's part in `row`)
    GET, row, GET, value, I32_CONST, 5, I32_SHL, I32_ADD, TEE, address,
    GET, address, ...i32Load16At(j * SLOT_BYTES.hist), GET, weight, I32_ADD, ...i32Store16At(j * SLOT_BYTES.hist),
    // seen[j][value] = 0xff
    GET, seen, GET, value, I32_ADD, I32_CONST, 0x7f, ...i32Store8At(j * SLOT_BYTES.seen),
  ];
  return {
    name: `fill${features}`,
    params: features + 7,
    body: [
      0x01, 6, I32,
      GET, order, GET, count, I32_CONST, 2, I32_SHL, I32_ADD, SET, orderEnd,
      BLOCK, VOID, GET, count, I32_EQZ, BR_IF, 0,
      LOOP, VOID,
      GET, order, ...i32LoadAt(0), GET, step, I32_MUL, SET, offset,
      GET, labels, ...I32_LOAD8_U, I32_CONST, 1, I32_SHL, GET, hist, I32_ADD, SET, row,
      GET, weights, ...I32_LOAD16_U, SET, weight,
      ...Array.from({ length: features }, (_, j) => feature(j)).flat(),
      GET, labels, I32_CONST, 1, I32_ADD, SET, labels,
      GET, weights, I32_CONST, 2, I32_ADD, SET, weights,
      GET, order, I32_CONST, 4, I32_ADD, TEE, order, GET, orderEnd, I32_LT_U, BR_IF, 0,
      END,
      END,
    ],
  };
}

/**
 * The scan, as splitSearch.ts documented it in JavaScript: values present in order, and for each
 * the classes present; the candidate cut below a value counts unless that value and the one
 * before it each hold a single class, the same. The float arithmetic is the same, in the same
 * order, so the splits are identical to the JavaScript scan's.
 *
 * The classes present at a value come from its 16 slots, compared with zero as two vectors.
 * The fill used to keep them as a bit set per value, a third read-modify-write per sample and
 * feature: without it, in one process alternating, 10 forest trees took 0.92 and the decision
 * tree 0.86 of the time (median of paired runs), trees bit for bit the same.
 */
function scan(): SimdFunction {
  const [hist, seen, counts, rightSqStart, totalWeight, best] = [0, 1, 2, 3, 4, 5];
  const [word, bits, value, classes, binClass, cls, prev, prevClass, bestThreshold, slot] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const [leftSq, rightSq, leftWeight, cutLeftSq, cutRightSq, binWeight, c, left] = [16, 17, 18, 19, 20, 21, 22, 23];
  const RIGHT = MAX_CLASSES * 8;
  return {
    name: 'scan',
    params: [I32, I32, I32, F64, F64, F64],
    result: I32,
    body: [
      0x02, 10, I32, 8, F64,
      // left counts = 0
      ...Array.from({ length: MAX_CLASSES }, (_, k) => [GET, counts, ...F64_ZERO, ...f64StoreAt(k * 8)]).flat(),
      I32_CONST, 0x7f, SET, bestThreshold, // -1
      I32_CONST, 0x7f, SET, prev,
      I32_CONST, 0x7f, SET, prevClass,
      GET, rightSqStart, SET, rightSq,
      // the values present, 32 at a time: `word` is the first (0, 32, .., 224), `bits` their marks' bits, the marks cleared
      LOOP, VOID,
      GET, seen, GET, word, I32_ADD, TEE, slot, ...loadAt(0), ...I8X16_BITMASK,
      GET, slot, ...loadAt(16), ...I8X16_BITMASK, I32_CONST, 16, I32_SHL, I32_OR, SET, bits,
      GET, slot, ...V128_ZERO, ...storeAt(0),
      GET, slot, ...V128_ZERO, ...storeAt(16),
      BLOCK, VOID,
      LOOP, VOID,
      GET, bits, I32_EQZ, BR_IF, 1,
      GET, word, GET, bits, I32_CTZ, I32_ADD, SET, value,
      GET, bits, GET, bits, I32_CONST, 1, I32_SUB, I32_AND, SET, bits, // bits &= bits - 1
      GET, leftSq, SET, cutLeftSq,
      GET, rightSq, SET, cutRightSq,
      // the classes present at this value: its 16 slots compared with 0, one bit each
      GET, hist, GET, value, I32_CONST, 5, I32_SHL, I32_ADD, TEE, slot, ...loadAt(0), ...V128_ZERO, ...I16X8_NE,
      GET, slot, ...loadAt(16), ...V128_ZERO, ...I16X8_NE,
      ...I8X16_NARROW_I16X8_S, ...I8X16_BITMASK, SET, classes,
      // the single class of this value's samples, or -1
      GET, classes, I32_CTZ, I32_CONST, 0x7f, GET, classes, GET, classes, I32_CONST, 1, I32_SUB, I32_AND, I32_EQZ, SELECT, SET, binClass,
      ...F64_ZERO, SET, binWeight,
      LOOP, VOID,
      GET, hist, GET, value, I32_CONST, 5, I32_SHL, I32_ADD, GET, classes, I32_CTZ, TEE, cls, I32_CONST, 1, I32_SHL, I32_ADD, TEE, slot,
      ...i32Load16At(0), F64_CONVERT_I32_S, SET, c,
      GET, slot, I32_CONST, 0, ...i32Store16At(0),
      GET, classes, GET, classes, I32_CONST, 1, I32_SUB, I32_AND, SET, classes,
      GET, binWeight, GET, c, F64_ADD, SET, binWeight,
      GET, counts, GET, cls, I32_CONST, 3, I32_SHL, I32_ADD, TEE, slot, ...f64LoadAt(0), SET, left,
      // leftSq += c * (2 * left + c); rightSq += c * (c - 2 * (right - left)); left += c
      GET, leftSq, GET, c, ...F64_TWO, GET, left, F64_MUL, GET, c, F64_ADD, F64_MUL, F64_ADD, SET, leftSq,
      GET, rightSq, GET, c, GET, c, ...F64_TWO, GET, slot, ...f64LoadAt(RIGHT), GET, left, F64_SUB, F64_MUL, F64_SUB, F64_MUL, F64_ADD, SET, rightSq,
      GET, slot, GET, left, GET, c, F64_ADD, ...f64StoreAt(0),
      GET, classes, BR_IF, 0,
      END,
      // the cut below this value, if there is a value before it and it is not inside one class
      GET, prev, I32_CONST, 0, I32_GE_S,
      GET, binClass, I32_CONST, 0, I32_LT_S, GET, binClass, GET, prevClass, I32_NE, I32_OR,
      I32_AND,
      IF, VOID,
      GET, cutLeftSq, GET, leftWeight, F64_DIV, GET, cutRightSq, GET, totalWeight, GET, leftWeight, F64_SUB, F64_DIV, F64_ADD, TEE, c,
      GET, best, F64_GT,
      IF, VOID,
      GET, c, SET, best,
      GET, prev, GET, value, I32_ADD, I32_CONST, 1, I32_SHR_S, SET, bestThreshold,
      END,
      END,
      GET, leftWeight, GET, binWeight, F64_ADD, SET, leftWeight,
      GET, value, SET, prev,
      GET, binClass, SET, prevClass,
      BR, 0,
      END,
      END,
      GET, word, I32_CONST, 32, I32_ADD, TEE, word, I32_CONST, 0x80, 0x02, I32_LT_U, BR_IF, 0, // < 256
      END,
      GET, counts, GET, best, ...f64StoreAt(SCAN_BEST * 8),
      GET, bestThreshold,
    ],
  };
}

function gather(): SimdFunction {
  const [rows, order, count, width, gathered, i] = [0, 1, 2, 3, 4, 5];
  return {
    name: 'gather',
    params: 5,
    body: [
      0x01, 1, I32,
      BLOCK, VOID, GET, count, I32_EQZ, BR_IF, 0,
      LOOP, VOID,
      GET, gathered, GET, i, GET, width, I32_MUL, I32_ADD,
      GET, rows, GET, order, ...i32LoadAt(0), GET, width, I32_MUL, I32_ADD,
      GET, width, ...MEMORY_COPY,
      GET, order, GET, i, ...i32StoreAt(0),
      GET, order, I32_CONST, 4, I32_ADD, SET, order,
      GET, i, I32_CONST, 1, I32_ADD, TEE, i, GET, count, I32_LT_U, BR_IF, 0,
      END,
      END,
    ],
  };
}

function isConstant(): SimdFunction {
  const [column, step, order, count, first, orderEnd] = [0, 1, 2, 3, 4, 5];
  return {
    name: 'isConstant',
    params: 4,
    result: I32,
    body: [
      0x01, 2, I32,
      GET, order, GET, count, I32_CONST, 2, I32_SHL, I32_ADD, SET, orderEnd,
      GET, column, GET, order, ...i32LoadAt(0), GET, step, I32_MUL, I32_ADD, ...I32_LOAD8_U, SET, first,
      BLOCK, VOID,
      LOOP, VOID,
      GET, order, I32_CONST, 4, I32_ADD, TEE, order, GET, orderEnd, I32_LT_U, I32_EQZ, BR_IF, 1,
      GET, column, GET, order, ...i32LoadAt(0), GET, step, I32_MUL, I32_ADD, ...I32_LOAD8_U, GET, first, I32_NE,
      IF, VOID, I32_CONST, 0, RETURN, END,
      BR, 0,
      END,
      END,
      I32_CONST, 1,
    ],
  };
}

/** f64.const 2 */
const F64_TWO = [0x44, 0, 0, 0, 0, 0, 0, 0, 0x40];

/** The module: `fill4`, `fill1`, `scan`, `gather` and `isConstant` over an imported memory. */
export const HISTOGRAM_KERNELS = assemble([fill(BATCH), fill(1), scan(), gather(), isConstant()]);
