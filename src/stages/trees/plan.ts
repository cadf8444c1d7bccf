import { sqrtFeatures } from '../../learn/forest.js';
import { deriveSeed } from '../../random.js';
import type { FitSpec } from './fitAll.js';

/** The study's cross-validation: StratifiedKFold(5, shuffle=True, random_state=seed). */
export const CV_FOLDS = 5;
/** scikit-learn's RandomForestClassifier default n_estimators. */
export const FOREST_TREES = 100;

/** What one fit of a model is: its trees' options, on `rows`. */
type Learner = (rows: Int32Array, featureCount: number, seed: number) => FitSpec;

/**
 * The learner of each model this stage fits, by its name in the model registry
 * (models/registry.ts): a tree model is its registry entry plus one line here.
 */
const LEARNERS = {
  'decision-tree': (rows, featureCount, seed) => ({ kind: 'tree', rows, options: { maxFeatures: featureCount, seed } }),
  'random-forest': (rows, featureCount, seed) => ({ kind: 'forest', rows, options: { trees: FOREST_TREES, maxFeatures: sqrtFeatures(featureCount), seed } }),
} satisfies Record<string, Learner>;
export type TreeModelName = keyof typeof LEARNERS;

/** `name` as a model this stage can fit; an error for a registry entry of stage "trees" with no learner here. */
export function treeModelName(name: string): TreeModelName {
  if (!Object.hasOwn(LEARNERS, name)) {
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

/**
 * Every fit of `models`, in the order they are queued on the pool: the final forests first
 * (their trees then have both workers, so a forest's fit time is its own), the final decision
 * trees, the decision trees' folds (long tasks early), and the forests' folds last (short tasks
 * fill both workers to the end).
 *
 * @param all every training row (the final fits)
 * @param folds CV folds, each with its training rows (shared buffers)
 */
export function planFits(
  models: readonly TreeModelName[], all: Int32Array, folds: { train: Int32Array }[], featureCount: number, seed: number,
): PlannedFit[] {
  const finals: PlannedFit[] = models.map((model) => ({ model, fold: undefined, spec: LEARNERS[model](all, featureCount, seed) }));
  const foldsOf = ({ model }: PlannedFit): PlannedFit[] =>
    folds.map((f, k) => ({ model, fold: k, spec: LEARNERS[model](f.train, featureCount, deriveSeed(seed, k + 1)) }));
  const forests = finals.filter((p) => p.spec.kind === 'forest');
  const trees = finals.filter((p) => p.spec.kind === 'tree');
  return [...forests, ...trees, ...trees.flatMap(foldsOf), ...forests.flatMap(foldsOf)];
}

/** How many pool tasks (trees) the plan holds. */
export const treeCount = (plan: PlannedFit[]): number =>
  plan.reduce((n, p) => n + (p.spec.kind === 'tree' ? 1 : p.spec.options.trees), 0);
