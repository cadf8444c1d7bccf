import { createRng, deriveSeed } from '../random.js';
import { fitTree, type TrainingSet } from './fitTree.js';
import { leafOf, type Tree } from './tree.js';

/** A random forest as scikit-learn's `RandomForestClassifier` builds it. */
export interface ForestOptions {
  /** number of trees (scikit-learn's n_estimators: 100) */
  trees: number;
  /** features searched per split (scikit-learn's max_features='sqrt': see `sqrtFeatures`) */
  maxFeatures: number;
  seed: number;
}

/** scikit-learn's `max_features='sqrt'`: floor(sqrt(features)), at least 1 (28 for 784 pixels). */
export const sqrtFeatures = (featureCount: number): number => Math.max(1, Math.floor(Math.sqrt(featureCount)));

/**
 * A bootstrap sample of `rows`: rows.length draws with replacement, as scikit-learn's forest
 * takes for each tree. Returns the distinct rows drawn (ascending) and, per sample index, how many times
 * it was drawn (the tree weighs each sample by that count).
 */
export function bootstrap(rows: ArrayLike<number>, sampleCount: number, seed: number): { samples: Int32Array; weights: Uint16Array } {
  const rng = createRng(seed);
  const weights = new Uint16Array(sampleCount);
  let distinct = 0;
  for (let i = 0; i < rows.length; i++) {
    const s = rows[rng.int(rows.length)]!;
    if (weights[s]!++ === 0) distinct++;
  }
  const samples = new Int32Array(distinct);
  let j = 0;
  for (let s = 0; s < sampleCount; s++) if (weights[s]! > 0) samples[j++] = s;
  return { samples, weights };
}

/**
 * Tree `index` of a forest over `rows`: its own bootstrap sample and feature draws, both
 * seeded from (options.seed, index), so trees can be fitted in any order or worker.
 */
export function fitForestTree(data: TrainingSet, rows: ArrayLike<number>, options: ForestOptions, index: number): Tree {
  const seed = deriveSeed(options.seed, index);
  const { samples, weights } = bootstrap(rows, data.x.sampleCount, seed);
  return fitTree(data, samples, weights, { maxFeatures: options.maxFeatures, seed: deriveSeed(seed, 0) });
}

/** Every tree of a forest, fitted one after the other (the stage spreads them over workers). */
export function fitForest(data: TrainingSet, rows: ArrayLike<number>, options: ForestOptions): Tree[] {
  return Array.from({ length: options.trees }, (_, i) => fitForestTree(data, rows, options, i));
}

/**
 * The forest's class for each of `count` rows of row-major uint8 data: the largest sum of the
 * trees' class probabilities (scikit-learn: argmax of their mean). On a tie, the class that
 * reached the top sum first, counting tree by tree, wins: with pure leaves each tree casts one
 * vote, and this is exactly the majority vote of ml-random-forest (`ml-array-mode`), so the
 * exported model predicts the same classes.
 */
export function predictForest(trees: readonly Tree[], pixels: Uint8Array, width: number, count: number): Uint8Array {
  if (trees.length === 0) throw new RangeError('Expected at least one tree in the forest but received none.');
  const votes = new ForestVotes(trees[0]!.numClasses, count);
  for (const tree of trees) votes.add(tree, pixels, width);
  return votes.classes;
}

/**
 * predictForest one tree at a time, so a caller can let other work run between trees. Each
 * row's sums and best class are carried from tree to tree: one tree's nodes stay in cache for
 * every row, where walking the 100 trees row by row missed it at every level, so the trees
 * stage's scoring is much faster this way (bench/RESULTS.md).
 */
export class ForestVotes {
  private readonly sums: Float64Array;
  private readonly bestSum: Float64Array;
  /** each row's class so far (row by row: its largest sum, the first to reach it) */
  readonly classes: Uint8Array;

  constructor(
    private readonly numClasses: number,
    private readonly count: number,
  ) {
    this.sums = new Float64Array(count * numClasses);
    this.bestSum = new Float64Array(count);
    this.classes = new Uint8Array(count);
  }

  /** Adds the class probabilities of `tree`'s leaf for each row. */
  add(tree: Tree, pixels: Uint8Array, width: number): void {
    const { sums, bestSum, classes, numClasses: k } = this;
    const shares = leafShares(tree);
    for (let row = 0; row < this.count; row++) {
      const leafBase = tree.leafRow[leafOf(tree, pixels, width, row)]! * k;
      const at = row * k;
      for (let c = 0; c < k; c++) {
        const sum = (sums[at + c]! += shares[leafBase + c]!);
        if (sum > bestSum[row]!) {
          bestSum[row] = sum;
          classes[row] = c;
        }
      }
    }
  }
}

/** Each leaf's class probabilities: its counts over their sum. */
function leafShares(tree: Tree): Float64Array {
  const k = tree.numClasses;
  const shares = new Float64Array(tree.leafCounts.length);
  for (let leaf = 0; leaf < shares.length; leaf += k) {
    let total = 0;
    for (let c = 0; c < k; c++) total += tree.leafCounts[leaf + c]!;
    for (let c = 0; c < k; c++) shares[leaf + c] = tree.leafCounts[leaf + c]! / total;
  }
  return shares;
}
