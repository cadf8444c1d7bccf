import { createRng } from '../random.js';
import type { PixelMatrix } from './pixelMatrix.js';
import { NodeStore } from './nodeStore.js';
import { BATCH, MAX_CLASSES, SplitSearch, type NodeOrder } from './splitSearch.js';
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
   * Features searched per split, drawn without replacement. Features found constant over the
   * node do not count, so the search goes on until this many non-constant ones were tried (or
   * none is left), as scikit-learn's splitter. `x.featureCount` searches all (a plain CART).
   */
  maxFeatures: number;
  /** seeds the feature draws (which only break ties when every feature is searched) */
  seed: number;
}

/** One pending node: its samples are `order[start, end)`. */
interface Pending {
  node: number;
  start: number;
  end: number;
  /** a feature permutation whose first `constants` entries are constant over the node */
  features: Uint16Array;
  constants: number;
}

/**
 * Grows a Gini decision tree until its leaves are pure (or hold samples that no feature
 * separates), as scikit-learn's `DecisionTreeClassifier()` with default limits.
 *
 * @param samples sample indexes to learn from (the rows of a fold, the distinct rows of a bootstrap)
 * @param weights per sample index: how many times it counts (bootstrap draws); omit for 1
 */
export function fitTree(data: TrainingSet, samples: ArrayLike<number>, weights: Uint16Array | undefined, options: TreeOptions): Tree {
  checkInputs(data, samples, options);
  const { x, labels, numClasses } = data;
  const order = Int32Array.from(samples).sort();
  // labels and weights follow `order` through every partition, so passes over a node read
  // them sequentially instead of at scattered sample indexes
  const node: NodeOrder = {
    order,
    labels: Uint8Array.from(order, (s) => labels[s]!),
    weights: Uint16Array.from(order, (s) => (weights ? weights[s]! : 1)),
  };
  const search = new SplitSearch(x, node, numClasses);
  const store = new NodeStore(numClasses);
  const rng = createRng(options.seed);
  const spare: Uint16Array[] = [];
  const copyOf = (src: Uint16Array) => {
    const a = spare.pop() ?? new Uint16Array(src.length);
    a.set(src);
    return a;
  };
  const totals = new Float64Array(numClasses);
  const root = new Uint16Array(x.featureCount).map((_, f) => f);
  const stack: Pending[] = [{ node: store.add(), start: 0, end: order.length, features: root, constants: 0 }];

  while (stack.length > 0) {
    const p = stack.pop()!;
    const classes = countClasses(node, p.start, p.end, totals);
    let totalWeight = 0;
    let totalSq = 0;
    for (let k = 0; k < numClasses; k++) {
      totalWeight += totals[k]!;
      totalSq += totals[k]! * totals[k]!;
    }
    const n = p.end - p.start;
    const constants = classes > 1 && n > 1 ? searchNode(search, p, totals, totalWeight, options.maxFeatures, rng.int) : -1;
    if (search.bestFeature < 0 || constants < 0) {
      store.setLeaf(p.node, n, totals);
      spare.push(p.features);
      continue;
    }
    const f = search.bestFeature;
    const t = search.bestThreshold;
    const mid = search.partition(p.start, p.end);
    const left = store.add();
    const right = store.add();
    const gain = (search.bestProxy - totalSq / totalWeight) / totalWeight;
    store.setSplit(p.node, f, t, gain, n, left, right);
    stack.push({ node: right, start: mid, end: p.end, features: copyOf(p.features), constants });
    stack.push({ node: left, start: p.start, end: mid, features: p.features, constants });
  }
  return store.finish();
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
 * Draws features (without replacement, skipping those known constant) and searches them, in
 * batches, until `maxFeatures` non-constant ones were tried. Moves features found constant
 * into the prefix of `p.features` and returns the prefix's new length, which the children inherit.
 */
function searchNode(
  search: SplitSearch,
  p: Pending,
  totals: Float64Array,
  totalWeight: number,
  maxFeatures: number,
  randomInt: (n: number) => number,
): number {
  const features = p.features;
  const batch = new Int32Array(BATCH);
  let inBatch = 0;
  let constants = p.constants;
  let undrawn = features.length;
  let tried = 0;
  search.reset(p.start, p.end, totals, totalWeight);
  while (tried < maxFeatures && undrawn > constants) {
    const j = constants + randomInt(undrawn - constants);
    const f = features[j]!;
    if (search.isConstant(f, p.start, p.end)) {
      features[j] = features[constants]!;
      features[constants++] = f;
      continue;
    }
    tried++;
    features[j] = features[--undrawn]!;
    features[undrawn] = f;
    batch[inBatch++] = f;
    if (inBatch === BATCH) {
      search.searchFeatures(batch, inBatch, p.start, p.end);
      inBatch = 0;
    }
  }
  if (inBatch > 0) search.searchFeatures(batch, inBatch, p.start, p.end);
  return constants;
}

function checkInputs(data: TrainingSet, samples: ArrayLike<number>, options: TreeOptions): void {
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
