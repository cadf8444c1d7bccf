import { isLeaf, type BoostModel } from './model.js';

/**
 * Each feature's total split gain over every tree of `model` (XGBoost's `total_gain`
 * importance): how much the splits on a pixel lowered the training loss, summed.
 */
export function totalGain(model: BoostModel): Float64Array {
  const gain = new Float64Array(model.numFeature);
  for (const tree of model.trees) {
    for (let n = 0; n < tree.leftChildren.length; n++) {
      if (!isLeaf(tree, n)) gain[tree.splitIndices[n]!]! += tree.lossChanges[n]!;
    }
  }
  return gain;
}
