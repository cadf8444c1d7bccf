/**
 * Class probabilities of a BoostModel for uint8 pixel rows: each class's margin is the base
 * score plus the leaf values of its trees, and the softmax of the margins is the prediction
 * (XGBoost's multi:softprob).
 *
 * The trees are first flattened into one Int32Array of split nodes (feature, integer threshold,
 * left, right: 16 bytes each). A block of rows (50 KB of pixels, in L2) goes through one tree at
 * a time, four rows at once, so each tree's nodes are read from cache once per block rather than
 * once per row: the whole forest (a few MB) does not stay in cache. Each row's margins still add
 * its trees in order, as XGBoost does.
 */
import { NO_NODE, type BoostModel } from './model.js';

/** Int32s per split node in FlatForest.nodes: feature, threshold, left, right. */
const STRIDE = 4;
/** Rows walked through a tree before the next tree. */
const ROW_BLOCK = 64;

/**
 * A model's trees as flat arrays. A child (and a root) is a split node's index in `nodes` when
 * >= 0, else `~leaf`, an index in `leafValues`.
 */
export interface FlatForest {
  numClass: number;
  numFeature: number;
  baseScore: number;
  /** per split node: feature, threshold t (go left when x < t; an integer, for integer pixels), left, right */
  nodes: Int32Array;
  leafValues: Float64Array;
  /** per tree: its root */
  roots: Int32Array;
  /** per tree: its class */
  treeClass: Int32Array;
}

/** `model` flattened for prediction (see FlatForest). */
export function flattenModel(model: BoostModel): FlatForest {
  let splits = 0;
  let leaves = 0;
  for (const tree of model.trees) {
    for (let n = 0; n < tree.leftChildren.length; n++) {
      if (tree.leftChildren[n] === NO_NODE) leaves++;
      else splits++;
    }
  }
  const nodes = new Int32Array(splits * STRIDE);
  const leafValues = new Float64Array(leaves);
  const roots = new Int32Array(model.trees.length);
  let split = 0;
  let leaf = 0;
  // depth-first with a stack, not recursion: a file's tree may be a chain thousands deep
  const stack: number[] = [];
  model.trees.forEach((tree, i) => {
    // pairs (node of `tree`, where its flat reference goes: an index in `nodes`, or -1 - i for roots[i])
    stack.push(0, -1 - i);
    while (stack.length > 0) {
      const slot = stack.pop()!;
      const n = stack.pop()!;
      let ref: number;
      if (tree.leftChildren[n] === NO_NODE) {
        leafValues[leaf] = tree.splitConditions[n]!;
        ref = ~leaf++;
      } else {
        ref = split++;
        const o = ref * STRIDE;
        nodes[o] = tree.splitIndices[n]!;
        nodes[o + 1] = integerThreshold(tree.splitConditions[n]!);
        stack.push(tree.rightChildren[n]!, o + 3, tree.leftChildren[n]!, o + 2);
      }
      if (slot < 0) roots[-1 - slot] = ref;
      else nodes[slot] = ref;
    }
  });
  return {
    numClass: model.numClass,
    numFeature: model.numFeature,
    baseScore: model.baseScore,
    nodes,
    leafValues,
    roots,
    treeClass: Int32Array.from(model.treeInfo),
  };
}

/**
 * For an integer x, `x < condition` exactly when `x < ceil(condition)`; clamped to [0, 256] so
 * any float condition (XGBoost's own cuts are not always integers) becomes an int32.
 */
export function integerThreshold(condition: number): number {
  return Math.min(256, Math.max(0, Math.ceil(condition)));
}

/**
 * The margins (before the softmax) of the `count` rows of `pixels` (row-major, numFeature bytes
 * each): count x numClass float64s, row by row.
 */
export function predictMargins(forest: FlatForest, pixels: Uint8Array, count: number): Float64Array {
  const { roots, treeClass, numClass, numFeature } = forest;
  if (pixels.length < count * numFeature) {
    throw new RangeError(`predictMargins: ${count} rows of ${numFeature} pixels need ${count * numFeature} bytes, got ${pixels.length}`);
  }
  const margins = new Float64Array(count * numClass).fill(forest.baseScore);
  for (let first = 0; first < count; first += ROW_BLOCK) {
    const end = Math.min(count, first + ROW_BLOCK);
    for (let t = 0; t < roots.length; t++) {
      let r = first;
      for (; r + 4 <= end; r += 4) addLeaves4(forest, roots[t]!, treeClass[t]!, pixels, r, margins);
      for (; r < end; r++) margins[r * numClass + treeClass[t]!] += forest.leafValues[~walk(forest.nodes, roots[t]!, pixels, r * numFeature)]!;
    }
  }
  return margins;
}

/**
 * The leaf reached by the row at `row` in `pixels` from node `n`. Branch-free step: the child is
 * left (+2) or right (+3) by the sign of `threshold - 1 - x`, which a branch predictor could not
 * guess on images.
 */
function walk(nodes: Int32Array, n: number, pixels: Uint8Array, row: number): number {
  while (n >= 0) {
    const o = n * STRIDE;
    n = nodes[o + 2 + ((nodes[o + 1]! - 1 - pixels[row + nodes[o]!]!) >>> 31)]!;
  }
  return n;
}

/**
 * Rows r..r+3 through the tree at `root`, their leaf values added to class `cls`'s margins. The
 * four walks interleave step by step, so each row's loads overlap the others' (one walk is a
 * chain of dependent loads).
 */
function addLeaves4(forest: FlatForest, root: number, cls: number, pixels: Uint8Array, r: number, margins: Float64Array): void {
  const { nodes, leafValues, numClass, numFeature } = forest;
  const p0 = r * numFeature;
  const p1 = p0 + numFeature;
  const p2 = p1 + numFeature;
  const p3 = p2 + numFeature;
  let a = root;
  let b = root;
  let c = root;
  let d = root;
  // until all four are leaves (negative): a leaf stays put
  while ((a & b & c & d) >= 0) {
    if (a >= 0) a = nodes[a * STRIDE + 2 + ((nodes[a * STRIDE + 1]! - 1 - pixels[p0 + nodes[a * STRIDE]!]!) >>> 31)]!;
    if (b >= 0) b = nodes[b * STRIDE + 2 + ((nodes[b * STRIDE + 1]! - 1 - pixels[p1 + nodes[b * STRIDE]!]!) >>> 31)]!;
    if (c >= 0) c = nodes[c * STRIDE + 2 + ((nodes[c * STRIDE + 1]! - 1 - pixels[p2 + nodes[c * STRIDE]!]!) >>> 31)]!;
    if (d >= 0) d = nodes[d * STRIDE + 2 + ((nodes[d * STRIDE + 1]! - 1 - pixels[p3 + nodes[d * STRIDE]!]!) >>> 31)]!;
  }
  margins[r * numClass + cls] += leafValues[~a]!;
  margins[(r + 1) * numClass + cls] += leafValues[~b]!;
  margins[(r + 2) * numClass + cls] += leafValues[~c]!;
  margins[(r + 3) * numClass + cls] += leafValues[~d]!;
}

/** Softmax of each row of `margins` (rows of `numClass`), in place; returns it. */
export function softmaxRows(margins: Float64Array, numClass: number): Float64Array {
  for (let o = 0; o < margins.length; o += numClass) {
    let max = -Infinity;
    for (let k = 0; k < numClass; k++) max = Math.max(max, margins[o + k]!);
    let sum = 0;
    for (let k = 0; k < numClass; k++) sum += margins[o + k] = Math.exp(margins[o + k]! - max);
    for (let k = 0; k < numClass; k++) margins[o + k] /= sum;
  }
  return margins;
}

/** Class probabilities of the `count` rows of `pixels`: count x numClass, row by row. */
export function predictProbabilities(forest: FlatForest, pixels: Uint8Array, count: number): Float64Array {
  return softmaxRows(predictMargins(forest, pixels, count), forest.numClass);
}

