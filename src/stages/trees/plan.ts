import { sqrtFeatures } from '../../learn/forest.js';
import { deriveSeed } from '../../random.js';
import type { FitSpec } from './fitAll.js';

/** The study's cross-validation: StratifiedKFold(5, shuffle=True, random_state=seed). */
export const CV_FOLDS = 5;
/** scikit-learn's RandomForestClassifier default n_estimators. */
export const FOREST_TREES = 100;

/** The models this stage has a learner for (`specFor`). */
const TREE_MODELS = ['decision-tree', 'random-forest'] as const;
export type TreeModelName = (typeof TREE_MODELS)[number];

/** `name` as a model this stage can fit; an error for a registry entry of stage "trees" with no learner here. */
export function treeModelName(name: string): TreeModelName {
  if (!(TREE_MODELS as readonly string[]).includes(name)) {
    throw new Error(`The model registry names "${name}" as trained by the trees stage, but the stage has no learner for it (stages/trees/plan.ts).`);
  }
  return name as TreeModelName;
}

/** One fit of the stage: a model on the whole training set (`fold` undefined) or on a CV fold's training part. */
export interface PlannedFit {
  model: TreeModelName;
  fold: number | undefined;
  spec: FitSpec;
}

function specFor(model: TreeModelName, rows: Int32Array, featureCount: number, seed: number): FitSpec {
  return model === 'decision-tree'
    ? { kind: 'tree', rows, options: { maxFeatures: featureCount, seed } }
    : { kind: 'forest', rows, options: { trees: FOREST_TREES, maxFeatures: sqrtFeatures(featureCount), seed } };
}

/**
 * Every fit, in the order they are queued on the pool: the final forest first (its 100 trees
 * then have both workers, so its fit time is its own), the final tree, the trees' folds (long
 * tasks early), and the forests' folds last (short tasks fill both workers to the end).
 *
 * @param all every training row (the final fits)
 * @param folds CV folds, each with its training rows (shared buffers)
 */
export function planFits(all: Int32Array, folds: { train: Int32Array }[], featureCount: number, seed: number): PlannedFit[] {
  const fold = (model: TreeModelName) =>
    folds.map((f, k) => ({ model, fold: k, spec: specFor(model, f.train, featureCount, deriveSeed(seed, k + 1)) }));
  return [
    { model: 'random-forest', fold: undefined, spec: specFor('random-forest', all, featureCount, seed) },
    { model: 'decision-tree', fold: undefined, spec: specFor('decision-tree', all, featureCount, seed) },
    ...fold('decision-tree'),
    ...fold('random-forest'),
  ];
}

/** How many pool tasks (trees) the plan holds. */
export const treeCount = (plan: PlannedFit[]): number =>
  plan.reduce((n, p) => n + (p.spec.kind === 'tree' ? 1 : p.spec.options.trees), 0);
