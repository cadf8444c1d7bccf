import type { PixelMatrix } from './pixelMatrix.js';

/** Distinct uint8 values a feature can take. */
const VALUES = 256;
/** Histogram slots per value: a power of two >= the number of classes, so `(v << 4) | class`. */
export const MAX_CLASSES = 16;
/**
 * A node with at most this many samples, whose parent had more, copies its samples' rows
 * (784 bytes each) into one compact buffer that it and its whole subtree then read (depth-first
 * growth finishes a subtree before any other node): ~1.5 MB that stays in cache, read at a few
 * pages instead of a cache and TLB miss per sample and feature in the 37 MB row-major copy.
 * Bigger nodes read the feature-major copy, where one feature's values are contiguous.
 * (Measured on one forest tree: 2,048 beats 1,024 and 3,072.)
 */
export const ROWS_BELOW = 2048;
/** Features filled per pass over a node's samples: each sample's index and label are read once for all. */
export const BATCH = 4;
const SLOTS = VALUES * MAX_CLASSES;
/** 32-bit words in a bit set of the 256 values */
const SEEN_WORDS = VALUES / 32;

/** The samples of a tree in node order (a node is `[start, end)`), with their labels and weights alongside. */
export interface NodeOrder {
  /** sample indexes; inside a node whose rows were gathered, positions in the gathered copy */
  order: Int32Array;
  labels: Uint8Array;
  weights: Uint16Array;
}

/**
 * Finds the exact best Gini split of features over a node's samples, and splits the node.
 * Pixels are uint8, so the class counts per value (a 256 x classes histogram, filled in one
 * pass over the node) give every candidate threshold's impurity in one more pass over the
 * values: time linear in the node's size instead of a sort or a pass per threshold.
 *
 * The best split maximises `sum(L_k^2)/wL + sum(R_k^2)/wR` (scikit-learn's "proxy
 * improvement": the weighted child Gini impurities, up to a constant), where L_k, R_k are the
 * weighted class counts left and right and wL, wR their totals. A threshold t sends
 * `x <= t` left and is the midpoint of two consecutive values seen at the node, rounded down,
 * as scikit-learn's midpoint threshold behaves on integers. Ties keep the first split found.
 */
export class SplitSearch {
  /** best proxy found since `reset`, and where */
  bestProxy = -Infinity;
  bestFeature = -1;
  bestThreshold = 0;

  /** BATCH histograms, one per feature of a batch, each `(value << 4) | class` */
  private readonly hist = new Int32Array(BATCH * SLOTS);
  /**
   * BATCH bit sets of the values present (8 words of 32 bits each): the scan visits only those,
   * in order, instead of testing 256 bins whose emptiness the branch predictor cannot guess.
   */
  private readonly seen = new Int32Array(BATCH * SEEN_WORDS);
  private readonly leftCounts = new Float64Array(MAX_CLASSES);
  private readonly rightCounts = new Float64Array(MAX_CLASSES);
  /**
   * BATCH x 256 bit sets of the classes present at each value: the scan visits only the
   * (value, class) slots holding samples, fewer than the node's samples, where a walk over
   * every class of every value costs up to 2,560 steps per feature.
   */
  private readonly classBits = new Int32Array(BATCH * VALUES);
  private rightSqStart = 0;
  private totalWeight = 0;
  /** the gathered rows of the node `[regionStart, regionEnd)`, row i of the copy being the sample at `regionStart + i` then */
  private readonly gathered: Uint8Array;
  private regionStart = 0;
  private regionEnd = 0;
  /** the node's layout: feature f of sample s is `values[f * featureStep + s * sampleStep]` */
  private values: Uint8Array;
  private featureStep: number;
  private sampleStep = 1;
  private readonly spare: NodeOrder;

  constructor(
    private readonly x: PixelMatrix,
    private readonly node: NodeOrder,
    private readonly numClasses: number,
  ) {
    this.values = x.byFeature;
    this.featureStep = x.sampleCount;
    const n = node.order.length;
    this.gathered = new Uint8Array(Math.min(ROWS_BELOW, n) * x.featureCount);
    this.spare = { order: new Int32Array(n), labels: new Uint8Array(n), weights: new Uint16Array(n) };
  }

  /**
   * Forgets the best split and takes the next node: its size picks the layout read (gathering
   * its rows when it is the first small node of its subtree), and its weighted class counts.
   */
  reset(start: number, end: number, classTotals: Float64Array, totalWeight: number): void {
    const rows = end - start <= ROWS_BELOW;
    if (rows && !(start >= this.regionStart && end <= this.regionEnd)) this.gatherRows(start, end);
    this.values = rows ? this.gathered : this.x.byFeature;
    this.featureStep = rows ? 1 : this.x.sampleCount;
    this.sampleStep = rows ? this.x.featureCount : 1;
    this.bestProxy = -Infinity;
    this.bestFeature = -1;
    this.rightCounts.set(classTotals);
    this.totalWeight = totalWeight;
    this.rightSqStart = 0;
    for (let k = 0; k < this.numClasses; k++) {
      this.rightSqStart += classTotals[k]! * classTotals[k]!;
    }
  }

  /** Copies the rows of the node `[start, end)` into `gathered`, and points `order` there. */
  private gatherRows(start: number, end: number): void {
    const { order } = this.node;
    const { byRow, featureCount: w } = this.x;
    for (let i = start; i < end; i++) {
      const s = order[i]!;
      this.gathered.set(byRow.subarray(s * w, s * w + w), (i - start) * w);
      order[i] = i - start;
    }
    this.regionStart = start;
    this.regionEnd = end;
  }

  /** Whether feature `f` has the same value for every sample of the node `[start, end)`. */
  isConstant(f: number, start: number, end: number): boolean {
    const { values, sampleStep } = this;
    const order = this.node.order;
    const base = f * this.featureStep;
    const first = values[base + order[start]! * sampleStep];
    for (let i = start + 1; i < end; i++) if (values[base + order[i]! * sampleStep] !== first) return false;
    return true;
  }

  /**
   * Searches `features[0, count)` (count <= BATCH, none constant over the node), in order,
   * keeping a threshold when it beats the best so far.
   */
  searchFeatures(features: Int32Array, count: number, start: number, end: number): void {
    const { hist, seen, classBits, values, featureStep: fs, sampleStep } = this;
    const { order, labels, weights } = this.node;
    // Filling and scanning are separate functions: in one function, V8 compiles the hot fill
    // loop on-stack before the scan has run, and that code then deoptimises at every call.
    if (count === BATCH) {
      const [f0, f1, f2, f3] = features as unknown as [number, number, number, number];
      fillHistograms4(hist, seen, classBits, values, f0 * fs, f1 * fs, f2 * fs, f3 * fs, sampleStep, order, labels, weights, start, end);
    } else {
      for (let i = 0; i < count; i++) fillHistogram(hist, seen, classBits, i, values, features[i]! * fs, sampleStep, order, labels, weights, start, end);
    }
    for (let i = 0; i < count; i++) this.scanBins(features[i]!, i);
  }

  /**
   * Splits the node `[start, end)` on the best split found: a stable partition, samples going
   * left first, each side keeping its order; returns where the right side starts. Keeping the
   * samples in ascending index order makes every later pass walk memory forwards, which the
   * caches and prefetcher serve far faster than a shuffled order.
   */
  partition(start: number, end: number): number {
    const { values, sampleStep, spare, bestThreshold: t } = this;
    const { order, labels, weights } = this.node;
    const base = this.bestFeature * this.featureStep;
    let left = start;
    let right = 0;
    for (let i = start; i < end; i++) {
      const s = order[i]!;
      if (values[base + s * sampleStep]! <= t) {
        order[left] = s;
        labels[left] = labels[i]!;
        weights[left++] = weights[i]!;
      } else {
        spare.order[right] = s;
        spare.labels[right] = labels[i]!;
        spare.weights[right++] = weights[i]!;
      }
    }
    order.set(spare.order.subarray(0, right), left);
    labels.set(spare.labels.subarray(0, right), left);
    weights.set(spare.weights.subarray(0, right), left);
    return left;
  }

  /**
   * Walks histogram `slot`'s values present at the node in order, clearing them, and considers
   * each threshold. A threshold between two values whose samples all have one and the same
   * class is skipped: for Gini such a cut is never better than one at a class boundary (Breiman
   * et al.; Fayyad and Irani), and skipping it saves most of the work in deep, nearly pure nodes.
   */
  private scanBins(f: number, slot: number): void {
    const { hist, seen, classBits, leftCounts: left, rightCounts: right, totalWeight } = this;
    left.fill(0);
    const offset = slot * SLOTS;
    const valuesAt = slot * VALUES;
    let best = this.bestProxy;
    let bestThreshold = -1;
    let leftSq = 0;
    let rightSq = this.rightSqStart;
    let leftWeight = 0;
    let prev = -1;
    /** the single class of the previous value's samples, or -1 when they were mixed */
    let prevClass = -1;
    for (let word = slot * SEEN_WORDS, high = 0; high < VALUES; word++, high += 32) {
      let bits = seen[word]!;
      seen[word] = 0;
      while (bits !== 0) {
        const lowest = bits & -bits;
        bits ^= lowest;
        const v = high + 31 - Math.clz32(lowest);
        // the sums before this value's samples move left: the candidate cut just below it
        const cutLeftSq = leftSq;
        const cutRightSq = rightSq;
        const bin = offset + (v << 4);
        let classes = classBits[valuesAt + v]!;
        classBits[valuesAt + v] = 0;
        const binClass = (classes & (classes - 1)) === 0 ? 31 - Math.clz32(classes) : -1;
        let binWeight = 0;
        while (classes !== 0) {
          const lowest = classes & -classes;
          classes ^= lowest;
          const k = 31 - Math.clz32(lowest);
          const c = hist[bin + k]!;
          hist[bin + k] = 0;
          binWeight += c;
          leftSq += c * (2 * left[k]! + c);
          rightSq += c * (c - 2 * (right[k]! - left[k]!));
          left[k]! += c;
        }
        if (prev >= 0 && (binClass < 0 || binClass !== prevClass)) {
          const proxy = cutLeftSq / leftWeight + cutRightSq / (totalWeight - leftWeight);
          if (proxy > best) {
            best = proxy;
            bestThreshold = (prev + v) >> 1;
          }
        }
        leftWeight += binWeight;
        prev = v;
        prevClass = binClass;
      }
    }
    if (bestThreshold >= 0) this.keep(f, best, bestThreshold);
  }

  private keep(f: number, proxy: number, threshold: number): void {
    this.bestProxy = proxy;
    this.bestFeature = f;
    this.bestThreshold = threshold;
  }
}

/** Adds each node sample's weight to its (value, class) slot of histogram `slot`, and marks its value and class seen. */
function fillHistogram(
  hist: Int32Array,
  seen: Int32Array,
  classBits: Int32Array,
  slot: number,
  values: Uint8Array,
  base: number,
  sampleStep: number,
  order: Int32Array,
  labels: Uint8Array,
  weights: Uint16Array,
  start: number,
  end: number,
): void {
  const offset = slot * SLOTS;
  const seenAt = slot * SEEN_WORDS;
  const valuesAt = slot * VALUES;
  for (let i = start; i < end; i++) {
    const v = values[base + order[i]! * sampleStep]!;
    const y = labels[i]!;
    hist[offset + ((v << 4) | y)]! += weights[i]!;
    seen[seenAt + (v >> 5)]! |= 1 << v;
    classBits[valuesAt + v]! |= 1 << y;
  }
}

/**
 * `fillHistogram` for four features in one pass: each sample's index, label and weight are
 * loaded once, and four independent counters keep the CPU busy while a repeated value
 * (mostly 0, the background) waits on its previous increment.
 */
function fillHistograms4(
  hist: Int32Array,
  seen: Int32Array,
  classBits: Int32Array,
  values: Uint8Array,
  b0: number,
  b1: number,
  b2: number,
  b3: number,
  sampleStep: number,
  order: Int32Array,
  labels: Uint8Array,
  weights: Uint16Array,
  start: number,
  end: number,
): void {
  for (let i = start; i < end; i++) {
    const o = order[i]! * sampleStep;
    const y = labels[i]!;
    const w = weights[i]!;
    const v0 = values[b0 + o]!;
    const v1 = values[b1 + o]!;
    const v2 = values[b2 + o]!;
    const v3 = values[b3 + o]!;
    hist[(v0 << 4) | y]! += w;
    hist[SLOTS + ((v1 << 4) | y)]! += w;
    hist[2 * SLOTS + ((v2 << 4) | y)]! += w;
    hist[3 * SLOTS + ((v3 << 4) | y)]! += w;
    seen[v0 >> 5]! |= 1 << v0;
    seen[SEEN_WORDS + (v1 >> 5)]! |= 1 << v1;
    seen[2 * SEEN_WORDS + (v2 >> 5)]! |= 1 << v2;
    seen[3 * SEEN_WORDS + (v3 >> 5)]! |= 1 << v3;
    classBits[v0]! |= 1 << y;
    classBits[VALUES + v1]! |= 1 << y;
    classBits[2 * VALUES + v2]! |= 1 << y;
    classBits[3 * VALUES + v3]! |= 1 << y;
  }
}
