/**
 * The gradient-boosted model and its hyper-parameters. A tree keeps XGBoost's array-per-node
 * layout (its JSON model's fields, see xgboostJson.ts), so writing and reading XGBoost's format
 * is a field-by-field copy, and a model read from XGBoost is the same type as one fitted here.
 */

/** A node's parent, child or leaf marker where it has none (XGBoost's -1). */
export const NO_NODE = -1;
/** The root's parent in XGBoost's files: its `kInvalidNodeId`, the largest int32. */
export const ROOT_PARENT = 0x7fffffff;

/**
 * One regression tree, node 0 the root. A split node goes left when `x[splitIndices[n]] <
 * splitConditions[n]`: between pixel values b and b + 1 the condition is b + 1, the next cut as
 * XGBoost's hist method writes its cuts. A leaf has both children NO_NODE, and its
 * `splitConditions` entry is its value (learning rate applied), as in XGBoost's files.
 */
export interface BoostTree {
  leftChildren: Int32Array;
  rightChildren: Int32Array;
  /** ROOT_PARENT for the root */
  parents: Int32Array;
  /** split feature (a pixel index); 0 at a leaf */
  splitIndices: Int32Array;
  /** split threshold, or the leaf value at a leaf */
  splitConditions: Float32Array;
  /** where a missing value goes (1 left); pixels are never missing, so only kept for the format */
  defaultLeft: Uint8Array;
  /** a split's gain (XGBoost's loss change); 0 at a leaf */
  lossChanges: Float32Array;
  /** sum of the hessians of the training rows that reached the node */
  sumHessian: Float32Array;
  /**
   * a split node's weight -G / (H + lambda), before the learning rate; at a leaf the leaf value
   * (as XGBoost 1.7 writes them)
   */
  baseWeights: Float32Array;
}

/** A multiclass softmax model: `numClass` trees per round, tree i scoring class `treeInfo[i]`. */
export interface BoostModel {
  numClass: number;
  numFeature: number;
  /** every class's margin before the first tree (XGBoost's base_score; 0.5 there by default) */
  baseScore: number;
  trees: BoostTree[];
  /** the class of each tree */
  treeInfo: Int32Array;
  /**
   * the 0-based round whose valid score was best (XGBoost's best_iteration attribute). A fit
   * keeps rounds 0..bestIteration only, so every reader (ours, XGBoost's Booster) predicts with
   * the best round; prediction always uses every tree of the model
   */
  bestIteration: number;
}

/** Hyper-parameters of `fitBoost`; each default is in BOOST_DEFAULTS. */
export interface BoostParams {
  /** the most boosting rounds (each adds one tree per class) */
  rounds: number;
  /** shrinkage of every leaf value (XGBoost's eta) */
  learningRate: number;
  /** the most leaves per tree: growth is leaf-wise, best gain first */
  maxLeaves: number;
  /** the deepest a leaf may be, root at 0; 0: no limit */
  maxDepth: number;
  /** L2 regularisation of leaf weights (XGBoost's lambda) */
  lambda: number;
  /** the least sum of hessians in a child (XGBoost's min_child_weight) */
  minChildWeight: number;
  /** the least rows in a child (LightGBM's min_data_in_leaf) */
  minDataInLeaf: number;
  /** fraction of the training rows each round's trees see, drawn without replacement */
  subsample: number;
  /** fraction of the features each tree may split on */
  colsampleBytree: number;
  /** stop when the valid mlogloss has not improved for this many rounds; 0: never stop early */
  earlyStoppingRounds: number;
  /** seeds the row and feature sampling */
  seed: number;
}

/**
 * Defaults chosen on the study's 48,000 / 12,000 split (bench/RESULTS.md, `npm run bench --
 * boost`): LightGBM's leaf-wise trees of 31 leaves and min 20 rows per leaf, a small learning
 * rate with many rounds, and regularisation (lambda, min child weight, row and feature
 * sampling) that let those rounds keep improving the valid loss; the best of the settings tried
 * within the stage's time budget and the predictor's (under 7,500 trees).
 */
export const BOOST_DEFAULTS: Readonly<BoostParams> = {
  rounds: 1000,
  learningRate: 0.05,
  maxLeaves: 31,
  maxDepth: 0,
  lambda: 5,
  minChildWeight: 5,
  minDataInLeaf: 20,
  subsample: 0.7,
  colsampleBytree: 0.3,
  earlyStoppingRounds: 50,
  seed: 42,
};

/** The number of nodes of `tree`. */
export function nodeCount(tree: BoostTree): number {
  return tree.leftChildren.length;
}

/** True when node `n` of `tree` is a leaf. */
export function isLeaf(tree: BoostTree, n: number): boolean {
  return tree.leftChildren[n] === NO_NODE;
}
