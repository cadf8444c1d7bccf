import { createRng, deriveSeed } from '../random.js';
import type { PixelMatrix } from './pixelMatrix.js';
import { NodeStore } from './nodeStore.js';
import { BATCH, MAX_CLASSES, MAX_TOTAL_WEIGHT } from './histogramKernels.js';
import { SplitSearch } from './splitSearch.js';
import { ROWS_BELOW, treeMemoryFor, type NodeOrder } from './treeMemory.js';
import type { Tree } from './tree.js';

/** What a tree learns from: features, and a class per sample. */
export interface TrainingSet {
  x: PixelMatrix;
  /** class of each sample (by sample index), 0..numClasses-1 */
  labels: Uint8Array;
  numClasses: number;
}

export interface TreeOptions {
  /**
   * Features drawn per split, without replacement, as scikit-learn's splitter draws them: a
   * draw counts whether or not the feature is constant over the node (known constant from an
   * ancestor, or found so now), and the drawing goes on past this many only while every feature
   * drawn so far was constant. `x.featureCount` searches all (a plain CART).
   */
  maxFeatures: number;
  /** seeds the feature draws (which only break ties when every feature is searched) */
  seed: number;
}

/** One node to grow: its samples are `order[start, end)`. */
interface Pending {
  node: number;
  start: number;
  end: number;
  /** a feature permutation whose first `constants` entries are constant over the node */
  features: Uint16Array;
  constants: number;
  /** seeds the node's feature draws; its children's seeds derive from it */
  seed: number;
}

/**
 * Where a subtree starts: a node's samples and what the search above it left it (the feature
 * permutation with the constant features first, and the node's seed). Fitting from it gives
 * exactly the subtree the whole fit grows under that node.
 */
export interface SubtreeRoot {
  samples: Int32Array;
  features: Uint16Array;
  constants: number;
  seed: number;
}

/**
 * Grows a Gini decision tree until its leaves are pure (or hold samples that no feature
 * separates), as scikit-learn's `DecisionTreeClassifier()` with default limits.
 *
 * Every node draws its features from its own seed (derived from its parent's), so a subtree
 * does not depend on the order nodes are grown in: `growTop` + `fitTree` per part + `graft`
 * build the same tree in parallel.
 *
 * @param samples sample indexes to learn from (the rows of a fold, the distinct rows of a bootstrap)
 * @param weights per sample index: how many times it counts (bootstrap draws); omit for 1
 * @param root grow the subtree under this node instead (`samples` are then its samples)
 */
export function fitTree(data: TrainingSet, samples: ArrayLike<number>, weights: Uint16Array | undefined, options: TreeOptions, root?: SubtreeRoot): Tree {
  const grower = new TreeGrower(data, samples, weights, options, root);
  const stack = [grower.root];
  while (stack.length > 0) {
    const children = grower.grow(stack.pop()!);
    if (children) stack.push(children[1], children[0]);
  }
  return grower.store.finish();
}

/**
 * The top of a tree: nodes split biggest first until `parts` nodes are left to grow or none
 * of those has more than `minSamples` samples (at least the size below which the split
 * search gathers rows), and those nodes as subtree roots. `open[i]` is the node of the top
 * tree (a leaf there for now) where the subtree fitted from `roots[i]` goes (see graft.ts).
 * From `root`, the top of that subtree, so tops can nest: a part may grow its own top.
 */
export function growTop(
  data: TrainingSet,
  samples: ArrayLike<number>,
  weights: Uint16Array | undefined,
  options: TreeOptions,
  parts: number,
  minSamples: number,
  root?: SubtreeRoot,
): { tree: Tree; open: number[]; roots: SubtreeRoot[] } {
  const grower = new TreeGrower(data, samples, weights, options, root);
  const min = Math.max(minSamples, ROWS_BELOW);
  const pending = [grower.root];
  for (;;) {
    let biggest = -1;
    for (let i = 0; i < pending.length; i++) {
      const n = pending[i]!.end - pending[i]!.start;
      if (n > min && (biggest < 0 || n > pending[biggest]!.end - pending[biggest]!.start)) biggest = i;
    }
    if (biggest < 0 || pending.length >= parts) break;
    const [p] = pending.splice(biggest, 1);
    pending.push(...(grower.grow(p!) ?? []));
  }
  pending.sort((a, b) => a.node - b.node);
  // open nodes are placeholder leaves until grafted
  for (const p of pending) grower.store.setLeaf(p.node, p.end - p.start, new Float64Array(data.numClasses));
  return {
    tree: grower.store.finish(),
    open: pending.map((p) => p.node),
    // only nodes over ROWS_BELOW samples were searched, and only searching a smaller one gathers
    // rows (renumbering `order` in its range): `order` still holds sample indexes
    roots: pending.map((p) => ({ samples: grower.node.order.slice(p.start, p.end), features: p.features, constants: p.constants, seed: p.seed })),
  };
}

/** One tree's growth: its samples in node order, the split search and the nodes made so far. */
class TreeGrower {
  readonly node: NodeOrder;
  readonly store: NodeStore;
  readonly root: Pending;
  private readonly search: SplitSearch;
  private readonly totals: Float64Array;
  private readonly batch = new Int32Array(BATCH);
  private readonly spare: Uint16Array[] = [];

  constructor(
    private readonly data: TrainingSet,
    samples: ArrayLike<number>,
    weights: Uint16Array | undefined,
    private readonly options: TreeOptions,
    root?: SubtreeRoot,
  ) {
    checkInputs(data, samples, options, root);
    const { labels, numClasses } = data;
    const memory = treeMemoryFor(data.x);
    const { x } = memory;
    const n = samples.length;
    // labels and weights follow `order` through every partition, so passes over a node read
    // them sequentially instead of at scattered sample indexes
    this.node = memory.node;
    const order = this.node.order.subarray(0, n);
    order.set(samples);
    // bootstraps, folds and subtree roots come ascending already: sort only when needed
    if (!isAscending(order)) order.sort();
    let totalWeight = 0;
    for (let i = 0; i < n; i++) {
      const s = order[i]!;
      this.node.labels[i] = labels[s]!;
      totalWeight += this.node.weights[i] = weights ? weights[s]! : 1;
    }
    if (totalWeight > MAX_TOTAL_WEIGHT) {
      throw new RangeError(`Expected at most ${MAX_TOTAL_WEIGHT} samples per tree (weights summed: a bootstrap draw counts once each) but received ${totalWeight}: fit on fewer rows.`);
    }
    this.search = new SplitSearch(memory, numClasses);
    this.store = new NodeStore(numClasses);
    this.totals = new Float64Array(numClasses);
    this.root = {
      node: this.store.add(),
      start: 0,
      end: n,
      features: root ? Uint16Array.from(root.features) : new Uint16Array(x.featureCount).map((_, f) => f),
      constants: root?.constants ?? 0,
      seed: root?.seed ?? options.seed,
    };
  }

  /** Searches node `p` and splits it (returning its two children to grow) or makes it a leaf. */
  grow(p: Pending): [Pending, Pending] | undefined {
    const { search, store, totals } = this;
    const numClasses = this.data.numClasses;
    const classes = countClasses(this.node, p.start, p.end, totals);
    let totalWeight = 0;
    let totalSq = 0;
    for (let k = 0; k < numClasses; k++) {
      totalWeight += totals[k]!;
      totalSq += totals[k]! * totals[k]!;
    }
    const n = p.end - p.start;
    const rng = createRng(p.seed);
    const constants = classes > 1 && n > 1 ? searchNode(search, p, totals, totalWeight, classes, this.options.maxFeatures, rng.int, this.batch) : -1;
    if (search.bestFeature < 0 || constants < 0) {
      store.setLeaf(p.node, n, totals);
      this.spare.push(p.features);
      return undefined;
    }
    const mid = search.partition(p.start, p.end);
    const left = store.add();
    const right = store.add();
    const gain = (search.bestProxy - totalSq / totalWeight) / totalWeight;
    store.setSplit(p.node, search.bestFeature, search.bestThreshold, gain, n, left, right);
    const copy = this.spare.pop() ?? new Uint16Array(p.features.length);
    copy.set(p.features);
    return [
      { node: left, start: p.start, end: mid, features: p.features, constants, seed: deriveSeed(p.seed, 1) },
      { node: right, start: mid, end: p.end, features: copy, constants, seed: deriveSeed(p.seed, 2) },
    ];
  }
}

/** Weighted class counts of the node `[start, end)` into `totals`; returns how many classes occur. */
function countClasses(node: NodeOrder, start: number, end: number, totals: Float64Array): number {
  totals.fill(0);
  for (let i = start; i < end; i++) totals[node.labels[i]!]! += node.weights[i]!;
  let present = 0;
  for (let k = 0; k < totals.length; k++) if (totals[k]! > 0) present++;
  return present;
}

/**
 * Draws features and searches the non-constant ones, in batches, with scikit-learn's rules
 * (BestSplitter.node_split): each draw is uniform over the features not drawn yet, known
 * constants included; every draw counts towards `maxFeatures`; past it, drawing goes on only
 * while all drawn features were constant, and it stops when only constants are left. Deep
 * nodes hold many constant pixels, so a forest searches fewer features there than it would
 * counting only non-constant draws (bench/RESULTS.md).
 *
 * `p.features` holds, in order: the known constants `[0, known)` (those drawn here moved to
 * the front), the constants found here, the undrawn features, then the drawn non-constant ones.
 * Returns how many constants the children inherit (known + found).
 *
 * Once a split reaches the most any split of the node can score (`proxyBound`), no later
 * feature can beat it (a later one must score higher to be kept), so the features still drawn
 * are not searched: the tree is the same, bit for bit. The drawing goes on, since the
 * constants found here are passed to the children, unless both children are pure (a node of
 * two classes, split between them): they are leaves, which draw nothing. Deep nodes, with few
 * classes and samples, often get there with their first feature, so they search far fewer
 * features (bench/RESULTS.md).
 */
function searchNode(
  search: SplitSearch,
  p: Pending,
  totals: Float64Array,
  totalWeight: number,
  classes: number,
  maxFeatures: number,
  randomInt: (n: number) => number,
  batch: Int32Array,
): number {
  const bound = proxyBound(totals, classes, totalWeight);
  let searching = true;
  const features = p.features;
  const known = p.constants;
  let drawnKnown = 0;
  let found = 0;
  let undrawn = features.length;
  let visited = 0;
  let inBatch = 0;
  search.reset(p.start, p.end, totals, totalWeight);
  while (undrawn > known + found && (visited < maxFeatures || visited <= drawnKnown + found)) {
    visited++;
    // uniform over the undrawn known constants [drawnKnown, known) and the undrawn others
    let j = drawnKnown + randomInt(undrawn - found - drawnKnown);
    if (j < known) {
      swap(features, j, drawnKnown++);
      continue;
    }
    j += found; // skip the constants found here
    const f = features[j]!;
    if (search.isConstant(f, p.start, p.end)) {
      swap(features, j, known + found++);
      continue;
    }
    swap(features, j, --undrawn);
    if (!searching) continue;
    batch[inBatch++] = f;
    if (inBatch === BATCH) {
      search.searchFeatures(batch, inBatch, p.start, p.end);
      inBatch = 0;
      if (search.bestProxy >= bound) {
        if (classes === 2) return known + found;
        searching = false;
      }
    }
  }
  if (inBatch > 0) search.searchFeatures(batch, inBatch, p.start, p.end);
  return known + found;
}

/** Nodes of more classes than this are searched to the end: 2^(classes-1) - 1 class subsets to score, and they rarely reach the bound. */
const BOUND_CLASSES = 5;

/**
 * The highest proxy (see SplitSearch) any split of a node with class weights `totals` can
 * score, computed with the scan's own float operations so that a split reaching it scores
 * exactly this. The proxy is convex in the left counts, so its maximum over all splits lies
 * where each class goes wholly to one side: the best of the splits of the classes present
 * into two groups. Infinity above BOUND_CLASSES classes present.
 */
export function proxyBound(totals: Float64Array, classes: number, totalWeight: number): number {
  if (classes === 2) return totalWeight; // pure children: each side's sum of squares over its weight is its weight
  if (classes > BOUND_CLASSES) return Infinity;
  const present: number[] = [];
  for (let k = 0; k < totals.length; k++) if (totals[k]! > 0) present.push(k);
  let allSq = 0;
  for (const k of present) allSq += totals[k]! * totals[k]!;
  let bound = -Infinity;
  // the first class present stays right, so each split of the classes is scored once
  for (let subset = 1; subset < 1 << (present.length - 1); subset++) {
    let leftWeight = 0;
    let leftSq = 0;
    for (let i = 0; i < present.length - 1; i++) {
      if (subset & (1 << i)) {
        const t = totals[present[i + 1]!]!;
        leftWeight += t;
        leftSq += t * t;
      }
    }
    bound = Math.max(bound, leftSq / leftWeight + (allSq - leftSq) / (totalWeight - leftWeight));
  }
  return bound;
}

function isAscending(a: Int32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i - 1]! > a[i]!) return false;
  return true;
}

function swap(a: Uint16Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

function checkInputs(data: TrainingSet, samples: ArrayLike<number>, options: TreeOptions, root: SubtreeRoot | undefined): void {
  const { x, labels, numClasses } = data;
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > MAX_CLASSES) {
    throw new RangeError(`Expected 1..${MAX_CLASSES} classes but received ${numClasses}.`);
  }
  if (x.featureCount > 0x7fff || x.byFeature.length !== x.featureCount * x.sampleCount || x.byRow.length !== x.byFeature.length || labels.length !== x.sampleCount) {
    throw new RangeError(
      `Expected ${x.featureCount} x ${x.sampleCount} feature values (at most 32767 features) and ${x.sampleCount} labels ` +
        `but received ${x.byFeature.length} values and ${labels.length} labels.`,
    );
  }
  if (!Number.isInteger(options.maxFeatures) || options.maxFeatures < 1 || options.maxFeatures > x.featureCount) {
    throw new RangeError(`Expected maxFeatures in 1..${x.featureCount} but received ${options.maxFeatures}.`);
  }
  if (samples.length === 0) throw new RangeError('Expected at least one training sample but received none.');
  if (root && !(root.features.length === x.featureCount && root.constants >= 0 && root.constants <= x.featureCount)) {
    throw new RangeError(`Expected a subtree root with ${x.featureCount} features but received ${root.features.length} (${root.constants} constant).`);
  }
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (!(s >= 0 && s < x.sampleCount && Number.isInteger(s))) {
      throw new RangeError(`Expected sample indexes in 0..${x.sampleCount - 1} but received ${s} at position ${i}.`);
    }
    if (labels[s]! >= numClasses) {
      throw new RangeError(`Expected labels in 0..${numClasses - 1} but sample ${s} has label ${labels[s]}.`);
    }
  }
}
