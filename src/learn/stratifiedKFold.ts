import { createRng, shuffleInPlace } from '../random.js';

/** One cross-validation fold: positions (0..n-1, ascending) to train on and to test on. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Stratified k-fold cross-validation with shuffling, as scikit-learn's
 * `StratifiedKFold(k, shuffle=True, random_state=seed)`: samples are dealt to folds class by
 * class, so every fold holds each class in (nearly) the same proportion as the whole set.
 *
 * Dealing follows scikit-learn: the labels sorted by class are dealt round-robin to the folds
 * (which fixes how many of each class each fold gets, and keeps fold sizes within one of each
 * other); then each class's fold numbers are shuffled among that class's samples.
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed: number): Fold[] {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new RangeError(`Expected a fold count in 2..${n} (the number of samples) but received ${k}.`);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const members = byClass.get(labels[i]!) ?? [];
    members.push(i);
    byClass.set(labels[i]!, members);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const smallest = Math.min(...classes.map((c) => byClass.get(c)!.length));
  if (smallest < k) {
    const c = classes.find((label) => byClass.get(label)!.length === smallest);
    throw new RangeError(
      `Expected at least ${k} samples of every class for ${k} stratified folds but class ${c} has ${smallest}. Use fewer folds.`,
    );
  }
  const rng = createRng(seed);
  const foldOf = new Int32Array(n);
  let dealt = 0;
  for (const c of classes) {
    const members = byClass.get(c)!;
    const folds = Int32Array.from(members, (_, j) => (dealt + j) % k);
    dealt += members.length;
    shuffleInPlace(folds, rng);
    members.forEach((sample, j) => (foldOf[sample] = folds[j]!));
  }
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[foldOf[i]!]!++;
  return Array.from({ length: k }, (_, fold) => {
    const test = new Int32Array(sizes[fold]!);
    const train = new Int32Array(n - sizes[fold]!);
    let t = 0;
    let r = 0;
    for (let i = 0; i < n; i++) {
      if (foldOf[i] === fold) test[t++] = i;
      else train[r++] = i;
    }
    return { train, test };
  });
}
