import { ConfigError } from '../errors.js';
import { createRng, shuffleInPlace } from '../random.js';

/** How much to hold out, and the seed that picks which rows. */
export interface StratifiedSplitOptions {
  /** share of rows held out for validation, strictly between 0 and 1 (the study: 0.2) */
  validFraction: number;
  seed: number;
}

/** Row indexes on each side of a split. */
export interface StratifiedSplit {
  /** in shuffled order, so the last part can serve as a Keras-style validation_split */
  train: number[];
  /** ascending (order does not matter for scoring; ascending reads the cache sequentially) */
  valid: number[];
}

/**
 * How many rows of each class go to validation: `total` shared in proportion to the class
 * counts, rounded down, then the leftover rows one each to the classes with the largest
 * remainders. A class that would lose its last training row comes after all others, then lower
 * labels first, so the result is deterministic. Exact integer arithmetic, no float rounding.
 */
function allocate(counts: number[], total: number, n: number): number[] {
  const take = counts.map((c) => Math.floor((c * total) / n));
  const order = counts
    .map((c, k) => ({ k, remainder: (c * total) % n, keepsOne: take[k] + 1 < c }))
    .sort((a, b) => Number(b.keepsOne) - Number(a.keepsOne) || b.remainder - a.remainder || a.k - b.k);
  let left = total - take.reduce((s, t) => s + t, 0);
  for (const { k } of order) {
    if (left === 0) break;
    take[k] += 1;
    left -= 1;
  }
  return take;
}

/**
 * Splits rows into train and validation so that every class keeps its share in both, as
 * scikit-learn's `train_test_split(stratify=y)`: validation gets round(n * validFraction) rows,
 * each class contributing in proportion to its size; the rows of each class are drawn at random
 * with `seed`, and the same labels and seed always give the same split.
 *
 * @example
 * stratifiedSplit(labels, { validFraction: 0.2, seed: 87 }) // 60,000 labels: 48,000 / 12,000
 */
export function stratifiedSplit(labels: ArrayLike<number>, options: StratifiedSplitOptions): StratifiedSplit {
  const { validFraction, seed } = options;
  const n = labels.length;
  if (!(validFraction > 0 && validFraction < 1)) {
    throw new ConfigError('validFraction', 'a number strictly between 0 and 1', validFraction);
  }
  const nValid = Math.round(n * validFraction);
  if (nValid < 1 || nValid > n - 1) {
    throw new ConfigError(
      'validFraction',
      `a fraction that leaves at least one of the ${n} rows on each side`,
      validFraction,
    );
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const rows = byClass.get(labels[i]) ?? [];
    rows.push(i);
    byClass.set(labels[i], rows);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const take = allocate(classes.map((c) => byClass.get(c)!.length), nValid, n);
  const rng = createRng(seed);
  const train: number[] = [];
  const valid: number[] = [];
  classes.forEach((c, k) => {
    const rows = shuffleInPlace(byClass.get(c)!, rng);
    // a loop, not push(...rows): spreading a large class would overflow the call stack
    rows.forEach((row, j) => (j < take[k] ? valid : train).push(row));
  });
  shuffleInPlace(train, rng);
  valid.sort((a, b) => a - b);
  return { train, valid };
}
