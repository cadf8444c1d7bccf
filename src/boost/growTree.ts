/**
 * Grows one regression tree of a boosting round, leaf-wise: the leaf whose best split gains the
 * most is split next, until the tree has maxLeaves leaves or no split gains. It works in one
 * region of the boost memory (boostMemory.ts), on the round's gradient pairs of its class.
 *
 * Each node's rows are a range of `order`; a split partitions the range in place. Histograms
 * are made once per node: the smaller child's built from its rows, the bigger one's as its
 * parent's minus the smaller's (in the parent's slot), each scanned for its best split while in
 * cache. A child that may not be split needs no histogram, unless its sibling's is made from it.
 */
import { NO_NODE, ROOT_PARENT, type BoostParams, type BoostTree } from './model.js';
import { BEST_BIN, BEST_COUNT, BEST_FEATURE, BEST_GAIN, BIN_BYTES } from './histogramLayout.js';
import type { BoostKernels } from './histogramKernels.js';
import type { BoostLayout } from './boostMemory.js';
import type { WasmMemory } from '../wasm/wasmModule.js';

/**
 * Nodes of fewer rows build their histograms from the row-major pixels, bigger ones from the
 * feature-major: on the study's data row-major wins well below ~2,400 rows and loses from
 * ~4,800 up (bench/RESULTS.md, `npm run bench -- boostKernels`).
 */
export const ROW_MAJOR_BELOW = 2048;

/** A split must gain more than this (XGBoost's kRtEps). */
export const MIN_SPLIT_GAIN = 1e-6;

/** The parameters a tree's growth reads, and the gradients' fixed-point scale (gradients.ts). */
export type GrowParams = Pick<BoostParams, 'learningRate' | 'maxLeaves' | 'maxDepth' | 'lambda' | 'minChildWeight' | 'minDataInLeaf'> & {
  gradientScale: number;
};

/**
 * One tree to grow: for class `cls`, on the round's `sampleCount` sampled rows, splitting only on
 * `features` (ascending); `unsampledCount` rows were left out of the sample.
 */
export interface GrowTask {
  cls: number;
  sampleCount: number;
  unsampledCount: number;
  features: Int32Array;
}

/** Counters of a tree's histograms: the tests check that subtraction did its share. */
export interface GrowStats {
  /** histograms built from rows (one per node's feature list) */
  built: number;
  /** histograms made by subtraction */
  subtracted: number;
  /** rows read to build histograms */
  rowsBuilt: number;
}

export interface GrownTree {
  tree: BoostTree;
  stats: GrowStats;
}

/** A grown tree and where its nodes' rows lie in the region's `order` (start, count per node), while the region is held. */
export interface GrownInRegion extends GrownTree {
  ranges: Int32Array;
}

/** The memory, its layout and the kernels bound to it, in one thread. */
export interface BoundMemory {
  memory: WasmMemory;
  layout: BoostLayout;
  kernels: BoostKernels;
}

interface Node {
  id: number;
  /** rows: order[start, start + count) */
  start: number;
  count: number;
  depth: number;
  grad: number;
  hess: number;
  /** histogram slot, or -1 */
  slot: number;
  /** the best split's gain (-Infinity: none), feature, last bin on the left */
  gain: number;
  feature: number;
  bin: number;
  /** rows left of the best split, by the histogram */
  leftCount: number;
  /** filled in when split */
  left: number;
  right: number;
}

/** Grows the tree of `task` in region `region` of `bound`'s memory. */
export function growTree(bound: BoundMemory, region: number, task: GrowTask, params: GrowParams): GrownInRegion {
  return new TreeGrower(bound, region, task, params).grow();
}

class TreeGrower {
  private readonly nodes: Node[] = [];
  private readonly freeSlots: number[];
  private readonly stats: GrowStats = { built: 0, subtracted: 0, rowsBuilt: 0 };
  /** addresses of this region's parts and of the class's gradient pairs */
  private readonly at: { order: number; spare: number; features: number; best: number; sums: number; hist: number; gh: number };
  private readonly f64: Float64Array;
  private readonly slotBytes: number;

  constructor(
    private readonly bound: BoundMemory,
    region: number,
    private readonly task: GrowTask,
    private readonly params: GrowParams,
  ) {
    const { layout, memory } = bound;
    const base = layout.regionStart + region * layout.region.bytes;
    const r = layout.region;
    this.at = {
      order: base + r.order, spare: base + r.spare, features: base + r.features, best: base + r.best,
      sums: base + r.sums, hist: base + r.hist, gh: layout.gh + task.cls * layout.rows * BIN_BYTES,
    };
    this.slotBytes = r.slotBytes;
    this.freeSlots = Array.from({ length: params.maxLeaves }, (_, i) => params.maxLeaves - 1 - i);
    this.f64 = new Float64Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    i32.set(i32.subarray(layout.sample >> 2, (layout.sample >> 2) + task.sampleCount), this.at.order >> 2);
    i32.set(task.features, this.at.features >> 2);
  }

  grow(): GrownInRegion {
    const root = this.newNode(0, this.task.sampleCount, 0);
    if (this.splittable(root)) {
      root.slot = this.takeSlot();
      this.build(root, true);
    }
    const leaves = [root];
    while (leaves.length < this.params.maxLeaves) {
      let best: Node | undefined;
      for (const leaf of leaves) if (leaf.gain > MIN_SPLIT_GAIN && (!best || leaf.gain > best.gain || (leaf.gain === best.gain && leaf.id < best.id))) best = leaf;
      if (!best) break;
      const [left, right] = this.split(best);
      leaves.splice(leaves.indexOf(best), 1, left, right);
    }
    const ranges = new Int32Array(2 * this.nodes.length);
    for (const node of this.nodes) ranges.set([node.start, node.count], 2 * node.id);
    return { tree: this.toTree(), stats: this.stats, ranges };
  }

  private newNode(start: number, count: number, depth: number): Node {
    const { kernels } = this.bound;
    kernels.sums(this.at.order + start * 4, count, this.at.gh, this.at.sums);
    const s = this.at.sums >> 3;
    const unit = 1 / this.params.gradientScale;
    const node: Node = {
      id: this.nodes.length, start, count, depth, grad: this.f64[s]! * unit, hess: this.f64[s + 1]! * unit,
      slot: -1, gain: -Infinity, feature: -1, bin: -1, leftCount: 0, left: NO_NODE, right: NO_NODE,
    };
    this.nodes.push(node);
    return node;
  }

  /** Whether a node may be split at all: depth, and room for two children of min rows and hessian. */
  private splittable(node: Node): boolean {
    const { maxDepth, minDataInLeaf, minChildWeight } = this.params;
    return (maxDepth === 0 || node.depth < maxDepth) && node.count >= 2 * minDataInLeaf && node.hess >= 2 * minChildWeight;
  }

  private takeSlot(): number {
    const slot = this.freeSlots.pop();
    if (slot === undefined) throw new Error('growTree: no free histogram slot (a slot leaked)');
    return slot;
  }

  private slotAddress(slot: number): number {
    return this.at.hist + slot * this.slotBytes;
  }

  /** Sets the scan's best to "none yet"; after the scan, copies what it found into `node`. */
  private scanInto(node: Node, scan: () => void): void {
    const b = this.at.best >> 3;
    this.f64[b + BEST_GAIN] = MIN_SPLIT_GAIN;
    this.f64[b + BEST_FEATURE] = -1;
    scan();
    const feature = this.f64[b + BEST_FEATURE]!;
    if (feature < 0) return;
    node.gain = this.f64[b + BEST_GAIN]!;
    node.feature = this.task.features[feature]!;
    node.bin = this.f64[b + BEST_BIN]!;
    node.leftCount = this.f64[b + BEST_COUNT]!;
  }

  private build(node: Node, scan: boolean): void {
    const { kernels, layout } = this.bound;
    const { lambda, minChildWeight, minDataInLeaf } = this.params;
    // a small node reads its rows row-major (see the kernel's build); a big one, the columns
    const [x, featureStride, rowStride] = node.count < ROW_MAJOR_BELOW ? [layout.xRows, 1, layout.features] : [layout.x, layout.rows, 1];
    const run = () =>
      kernels.build(
        x, featureStride, rowStride, this.at.order + node.start * 4, node.count, this.at.gh, this.at.features, this.task.features.length,
        this.slotAddress(node.slot), scan ? 1 : 0, this.at.best, node.grad, node.hess, node.count, 1 / this.params.gradientScale, lambda, minChildWeight, minDataInLeaf,
      );
    if (scan) this.scanInto(node, run);
    else run();
    this.stats.built++;
    this.stats.rowsBuilt += node.count;
  }

  /** `node`'s histogram (made in its parent's slot) as the parent's minus `sibling`'s. */
  private subtract(node: Node, sibling: Node): void {
    const { lambda, minChildWeight, minDataInLeaf } = this.params;
    this.scanInto(node, () =>
      this.bound.kernels.subtract(
        this.slotAddress(node.slot), this.slotAddress(sibling.slot), this.task.features.length,
        1, this.at.best, node.grad, node.hess, node.count, 1 / this.params.gradientScale, lambda, minChildWeight, minDataInLeaf,
      ),
    );
    this.stats.subtracted++;
  }

  private split(parent: Node): [Node, Node] {
    const { kernels, layout } = this.bound;
    const threshold = parent.bin + 1;
    const leftCount = kernels.partition(layout.x + parent.feature * layout.rows, threshold, this.at.order + parent.start * 4, parent.count, this.at.spare);
    if (leftCount !== parent.leftCount) {
      throw new Error(`growTree: the split of node ${parent.id} sends ${leftCount} rows left where its histogram counted ${parent.leftCount}`);
    }
    const left = this.newNode(parent.start, leftCount, parent.depth + 1);
    const right = this.newNode(parent.start + leftCount, parent.count - leftCount, parent.depth + 1);
    parent.left = left.id;
    parent.right = right.id;
    const [small, big] = left.count <= right.count ? [left, right] : [right, left];
    const splitSmall = this.splittable(small);
    const splitBig = this.splittable(big);
    if (splitSmall || splitBig) {
      small.slot = this.takeSlot();
      this.build(small, splitSmall);
      if (splitBig) {
        big.slot = parent.slot;
        this.subtract(big, small);
      } else this.freeSlots.push(parent.slot);
      if (!splitSmall) this.freeSlots.push(small.slot);
    } else this.freeSlots.push(parent.slot);
    parent.slot = -1;
    return [left, right];
  }

  /** The nodes in XGBoost's arrays: ids in order of creation, leaf values with the learning rate. */
  private toTree(): BoostTree {
    const n = this.nodes.length;
    const { lambda, learningRate } = this.params;
    const tree: BoostTree = {
      leftChildren: new Int32Array(n), rightChildren: new Int32Array(n), parents: new Int32Array(n),
      splitIndices: new Int32Array(n), splitConditions: new Float32Array(n), defaultLeft: new Uint8Array(n),
      lossChanges: new Float32Array(n), sumHessian: new Float32Array(n), baseWeights: new Float32Array(n),
    };
    tree.parents[0] = ROOT_PARENT;
    for (const node of this.nodes) {
      const i = node.id;
      const weight = -node.grad / (node.hess + lambda);
      tree.leftChildren[i] = node.left;
      tree.rightChildren[i] = node.right;
      tree.sumHessian[i] = node.hess;
      if (node.left === NO_NODE) {
        tree.splitConditions[i] = tree.baseWeights[i] = learningRate * weight;
      } else {
        tree.parents[node.left] = tree.parents[node.right] = i;
        tree.splitIndices[i] = node.feature;
        tree.splitConditions[i] = node.bin + 1;
        tree.lossChanges[i] = node.gain;
        tree.baseWeights[i] = weight;
      }
    }
    return tree;
  }
}
