import { BATCH, MAX_CLASSES, SCAN_BEST, SLOT_BYTES } from './histogramKernels.js';
import type { PixelMatrix } from './pixelMatrix.js';
import { ROWS_BELOW, type NodeOrder, type TreeMemory } from './treeMemory.js';

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

  private rightSqStart = 0;
  private totalWeight = 0;
  /** the node `[regionStart, regionEnd)` whose rows `memory.gathered` holds, row i being the sample at `regionStart + i` then */
  private regionStart = 0;
  private regionEnd = 0;
  /** the node's layout: feature f of sample s is `values[f * featureStep + s * sampleStep]` */
  private values: Uint8Array;
  private featureStep: number;
  private sampleStep = 1;
  private readonly x: PixelMatrix;
  private readonly node: NodeOrder;
  /** `values`'s address for the kernels */
  private valuesAt: number;
  /**
   * the kernels' arguments: the arrays' addresses, read once (a typed array's byteOffset is a
   * getter, and the kernels are called ~100,000 times per forest tree)
   */
  private readonly at: Record<'hist' | 'seen' | 'counts' | 'order' | 'labels' | 'weights' | 'gathered' | 'byRow', number>;

  /** Searches nodes of the tree growing in `memory` (its matrix, its samples in node order). */
  constructor(
    private readonly memory: TreeMemory,
    private readonly numClasses: number,
  ) {
    const { hist, seen, counts, node, gathered, x } = memory;
    this.x = x;
    this.node = node;
    this.values = x.byFeature;
    this.valuesAt = this.values.byteOffset;
    this.featureStep = x.sampleCount;
    this.at = {
      hist: hist.byteOffset,
      seen: seen.byteOffset,
      counts: counts.byteOffset,
      order: node.order.byteOffset,
      labels: node.labels.byteOffset,
      weights: node.weights.byteOffset,
      gathered: gathered.byteOffset,
      byRow: x.byRow.byteOffset,
    };
    // a fit that threw part-way may have left counts behind; the scan clears only what it reads
    hist.fill(0);
    seen.fill(0);
  }

  /**
   * Forgets the best split and takes the next node: its size picks the layout read (gathering
   * its rows when it is the first small node of its subtree), and its weighted class counts.
   */
  reset(start: number, end: number, classTotals: Float64Array, totalWeight: number): void {
    const rows = end - start <= ROWS_BELOW;
    if (rows && !(start >= this.regionStart && end <= this.regionEnd)) this.gatherRows(start, end);
    this.values = rows ? this.memory.gathered : this.x.byFeature;
    this.valuesAt = this.values.byteOffset;
    this.featureStep = rows ? 1 : this.x.sampleCount;
    this.sampleStep = rows ? this.x.featureCount : 1;
    this.bestProxy = -Infinity;
    this.bestFeature = -1;
    this.memory.counts.set(classTotals, MAX_CLASSES);
    this.totalWeight = totalWeight;
    this.rightSqStart = 0;
    for (let k = 0; k < this.numClasses; k++) {
      this.rightSqStart += classTotals[k]! * classTotals[k]!;
    }
  }

  /** Copies the rows of the node `[start, end)` into `gathered`, and points `order` there. */
  private gatherRows(start: number, end: number): void {
    const { at } = this;
    this.memory.kernels.gather(at.byRow, at.order + start * 4, end - start, this.x.featureCount, at.gathered);
    this.regionStart = start;
    this.regionEnd = end;
  }

  /** Whether feature `f` has the same value for every sample of the node `[start, end)`. */
  isConstant(f: number, start: number, end: number): boolean {
    const column = this.valuesAt + f * this.featureStep;
    return this.memory.kernels.isConstant(column, this.sampleStep, this.at.order + start * 4, end - start) === 1;
  }

  /**
   * Searches `features[0, count)` (count <= BATCH, none constant over the node), in order,
   * keeping a threshold when it beats the best so far.
   */
  searchFeatures(features: Int32Array, count: number, start: number, end: number): void {
    const { at, valuesAt, featureStep: fs, sampleStep } = this;
    const { fill4, fill1 } = this.memory.kernels;
    const order = at.order + start * 4;
    const labels = at.labels + start;
    const weights = at.weights + start * 2;
    const n = end - start;
    if (count === BATCH) {
      fill4(valuesAt + features[0]! * fs, valuesAt + features[1]! * fs, valuesAt + features[2]! * fs, valuesAt + features[3]! * fs, sampleStep, order, labels, weights, n, at.hist, at.seen);
    } else {
      for (let i = 0; i < count; i++) {
        fill1(valuesAt + features[i]! * fs, sampleStep, order, labels, weights, n, at.hist + i * SLOT_BYTES.hist, at.seen + i * SLOT_BYTES.seen);
      }
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
    const { values, sampleStep, bestThreshold: t } = this;
    const { spare } = this.memory;
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
   * each threshold (in wasm: HistogramKernels.scan). A threshold between two values whose
   * samples all have one and the same class is skipped: for Gini such a cut is never better
   * than one at a class boundary (Breiman et al.; Fayyad and Irani), and skipping it saves most
   * of the work in deep, nearly pure nodes.
   */
  private scanBins(f: number, slot: number): void {
    const { at, memory } = this;
    const threshold = memory.kernels.scan(
      at.hist + slot * SLOT_BYTES.hist,
      at.seen + slot * SLOT_BYTES.seen,
      at.counts,
      this.rightSqStart,
      this.totalWeight,
      this.bestProxy,
    );
    if (threshold >= 0) this.keep(f, memory.counts[SCAN_BEST]!, threshold);
  }

  private keep(f: number, proxy: number, threshold: number): void {
    this.bestProxy = proxy;
    this.bestFeature = f;
    this.bestThreshold = threshold;
  }
}
