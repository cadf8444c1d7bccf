/**
 * A fitted decision tree in compact typed arrays, and its predictions on uint8 rows.
 *
 * The root is node 0; a split's two children get consecutive ids when it is made. A split sends
 * a sample left when `x[feature] <= threshold` (integer pixel values 0..255).
 */
export interface Tree {
  numClasses: number;
  /** per node: the split feature, or LEAF */
  feature: Int16Array;
  /** per node: samples with `x[feature] <= threshold` go left */
  threshold: Uint8Array;
  /** per node: child node ids (unused, 0, for leaves) */
  left: Int32Array;
  right: Int32Array;
  /** per node: Gini impurity decrease of the split (0 for leaves) */
  gain: Float32Array;
  /** per node: how many distinct training samples reached it */
  samples: Int32Array;
  /** per node: its row in `leafCounts` for a leaf, -1 for a split */
  leafRow: Int32Array;
  /** weighted training class counts, `numClasses` per leaf row */
  leafCounts: Float32Array;
}

/** `feature` value that marks a leaf. */
export const LEAF = -1;

/**
 * The leaf reached by row `row` of row-major uint8 data with `width` features per row.
 * Walks from the root; iterative, since fully grown trees can be deep.
 */
export function leafOf(tree: Tree, pixels: Uint8Array, width: number, row: number): number {
  const base = row * width;
  let node = 0;
  while (tree.feature[node] !== LEAF) {
    node = pixels[base + tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

/**
 * Predicted class of each of `count` rows: the leaf's most frequent class, the first one on
 * ties (scikit-learn's argmax, and ml-cart's `maxRowIndex`).
 */
export function predictTree(tree: Tree, pixels: Uint8Array, width: number, count: number): Uint8Array {
  const k = tree.numClasses;
  const out = new Uint8Array(count);
  for (let row = 0; row < count; row++) {
    const leafBase = tree.leafRow[leafOf(tree, pixels, width, row)]! * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (tree.leafCounts[leafBase + c]! > tree.leafCounts[leafBase + best]!) best = c;
    out[row] = best;
  }
  return out;
}
