import type { PixelMatrix } from './pixelMatrix.js';

/** Distinct uint8 values a feature can take. */
const VALUES = 256;
/** Histogram slots per value: a power of two >= the number of classes, so `(v << 4) | class`. */
export const MAX_CLASSES = 16;
/**
 * Nodes with at most this many samples sort (value, sample) keys instead of filling a
 * 256-value histogram: for few samples, scanning 256 mostly empty bins costs more than sorting.
 */
const SORT_BELOW = 48;
/**
 * Nodes with at most this many samples read features from the row-major copy: their rows
 * (~1.5 MB at 784 bytes each) stay in cache for every feature the node and its subtree
 * search, where the feature-major copy would cost a cache miss per sample and feature.
 */
const ROWS_BELOW = 2048;
/** Features filled per pass over a node's samples: each sample's index and label are read once for all. */
export const BATCH = 4;
const SLOTS = VALUES * MAX_CLASSES;

/** The samples of a tree in node order (a node is `[start, end)`), with their labels and weights alongside. */
export interface NodeOrder {
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
  /** BATCH x 256 weight totals per value, so the scan skips empty values at one read each */
  private readonly binTotal = new Int32Array(BATCH * VALUES);
  private readonly keys = new Int32Array(SORT_BELOW);
  private readonly leftCounts = new Float64Array(MAX_CLASSES);
  private readonly rightCounts = new Float64Array(MAX_CLASSES);
  /** the classes present at the node: only their histogram slots can be non-zero */
  private readonly present = new Int32Array(MAX_CLASSES);
  private presentCount = 0;
  private rightSqStart = 0;
  private totalWeight = 0;
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
    this.spare = { order: new Int32Array(n), labels: new Uint8Array(n), weights: new Uint16Array(n) };
  }

  /** Forgets the best split and takes the next node: its size picks the layout read, and its weighted class counts. */
  reset(start: number, end: number, classTotals: Float64Array, totalWeight: number): void {
    const rows = end - start <= ROWS_BELOW;
    this.values = rows ? this.x.byRow : this.x.byFeature;
    this.featureStep = rows ? 1 : this.x.sampleCount;
    this.sampleStep = rows ? this.x.featureCount : 1;
    this.bestProxy = -Infinity;
    this.bestFeature = -1;
    this.rightCounts.set(classTotals);
    this.totalWeight = totalWeight;
    this.rightSqStart = 0;
    this.presentCount = 0;
    for (let k = 0; k < this.numClasses; k++) {
      this.rightSqStart += classTotals[k]! * classTotals[k]!;
      if (classTotals[k]! > 0) this.present[this.presentCount++] = k;
    }
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
    if (end - start <= SORT_BELOW) {
      for (let i = 0; i < count; i++) this.scanSorted(features[i]!, start, end);
      return;
    }
    const { hist, binTotal, values, featureStep: fs, sampleStep } = this;
    const { order, labels, weights } = this.node;
    // Filling and scanning are separate functions: in one function, V8 compiles the hot fill
    // loop on-stack before the scan has run, and that code then deoptimises at every call.
    if (count === BATCH) {
      const [f0, f1, f2, f3] = features as unknown as [number, number, number, number];
      fillHistograms4(hist, binTotal, values, f0 * fs, f1 * fs, f2 * fs, f3 * fs, sampleStep, order, labels, weights, start, end);
    } else {
      for (let i = 0; i < count; i++) fillHistogram(hist, binTotal, i, values, features[i]! * fs, sampleStep, order, labels, weights, start, end);
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
   * Walks histogram `slot`'s values in order, clearing it, and considers each threshold. A
   * threshold between two values whose samples all have one and the same class is skipped: for
   * Gini such a cut is never better than one at a class boundary (Breiman et al.; Fayyad and
   * Irani), and skipping it saves most of the work in deep, nearly pure nodes.
   */
  private scanBins(f: number, slot: number): void {
    const { hist, binTotal, leftCounts: left, rightCounts: right, present, presentCount, totalWeight } = this;
    left.fill(0);
    const offset = slot * SLOTS;
    const totalsAt = slot * VALUES;
    let best = this.bestProxy;
    let bestThreshold = -1;
    let leftSq = 0;
    let rightSq = this.rightSqStart;
    let leftWeight = 0;
    let prev = -1;
    /** the single class of the previous value's samples, or -1 when they were mixed */
    let prevClass = -1;
    for (let v = 0; v < VALUES && leftWeight < totalWeight; v++) {
      const binWeight = binTotal[totalsAt + v]!;
      if (binWeight === 0) continue;
      binTotal[totalsAt + v] = 0;
      // the sums before this value's samples move left: the candidate cut just below it
      const cutLeftSq = leftSq;
      const cutRightSq = rightSq;
      const bin = offset + (v << 4);
      let binClass = -1;
      for (let j = 0; j < presentCount; j++) {
        const k = present[j]!;
        const c = hist[bin + k]!;
        if (c === 0) continue;
        if (c === binWeight) binClass = k;
        hist[bin + k] = 0;
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
    if (bestThreshold >= 0) this.keep(f, best, bestThreshold);
  }

  private scanSorted(f: number, start: number, end: number): void {
    const { keys, leftCounts: left, rightCounts: right, totalWeight } = this;
    const { order, labels, weights } = this.node;
    const n = end - start;
    sortKeys(keys, this.values, f * this.featureStep, this.sampleStep, order, start, n);
    left.fill(0);
    let leftSq = 0;
    let rightSq = this.rightSqStart;
    let leftWeight = 0;
    let prev = keys[0]! >>> 16;
    for (let j = 0; j < n; j++) {
      const key = keys[j]!;
      const v = key >>> 16;
      if (v !== prev) {
        this.consider(f, leftSq / leftWeight + rightSq / (totalWeight - leftWeight), (prev + v) >> 1);
        prev = v;
      }
      const at = start + (key & 0xffff);
      const c = weights[at]!;
      const k = labels[at]!;
      leftSq += c * (2 * left[k]! + c);
      rightSq += c * (c - 2 * (right[k]! - left[k]!));
      left[k]! += c;
      leftWeight += c;
    }
  }

  private consider(f: number, proxy: number, threshold: number): void {
    if (proxy > this.bestProxy) this.keep(f, proxy, threshold);
  }

  private keep(f: number, proxy: number, threshold: number): void {
    this.bestProxy = proxy;
    this.bestFeature = f;
    this.bestThreshold = threshold;
  }
}

/** Adds each node sample's weight to its (value, class) slot of histogram `slot`, and to its value's total. */
function fillHistogram(
  hist: Int32Array,
  binTotal: Int32Array,
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
  const totalsAt = slot * VALUES;
  for (let i = start; i < end; i++) {
    const v = values[base + order[i]! * sampleStep]!;
    const w = weights[i]!;
    hist[offset + ((v << 4) | labels[i]!)]! += w;
    binTotal[totalsAt + v]! += w;
  }
}

/**
 * `fillHistogram` for four features in one pass: each sample's index, label and weight are
 * loaded once, and four independent counters keep the CPU busy while a repeated value
 * (mostly 0, the background) waits on its previous increment.
 */
function fillHistograms4(
  hist: Int32Array,
  binTotal: Int32Array,
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
    binTotal[v0]! += w;
    binTotal[VALUES + v1]! += w;
    binTotal[2 * VALUES + v2]! += w;
    binTotal[3 * VALUES + v3]! += w;
  }
}

/**
 * Writes `value << 16 | position in the node` for the node's n samples into `keys`, sorted
 * (insertion sort: n is small here), so the samples come out in value order.
 */
function sortKeys(keys: Int32Array, values: Uint8Array, base: number, sampleStep: number, order: Int32Array, start: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const key = (values[base + order[start + j]! * sampleStep]! << 16) | j;
    let i = j;
    while (i > 0 && keys[i - 1]! > key) {
      keys[i] = keys[i - 1]!;
      i--;
    }
    keys[i] = key;
  }
}
