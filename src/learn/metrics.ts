/**
 * Classification metrics as pure functions over label arrays: accuracy, the confusion matrix,
 * and per-class precision / recall / F1 (scikit-learn's definitions; 0 where undefined).
 */

/** Labels as any indexable array of class numbers (Uint8Array from the pixel cache, number[]). */
export type Labels = ArrayLike<number>;

/** One class's row of a classification report. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** how many true samples of this class there are */
  support: number;
}

/** Per-class scores, plus their unweighted (macro) mean as scikit-learn's report shows. */
export interface ClassReport {
  perClass: ClassScores[];
  macro: Omit<ClassScores, 'support'>;
}

function checkSameLength(truth: Labels, predicted: Labels): void {
  if (truth.length !== predicted.length) {
    throw new RangeError(
      `Expected as many predictions as true labels but received ${predicted.length} predictions for ${truth.length} labels.`,
    );
  }
}

/** Fraction of positions where `predicted` equals `truth` (NaN for empty input). */
export function accuracy(truth: Labels, predicted: Labels): number {
  checkSameLength(truth, predicted);
  let hits = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) hits++;
  return hits / truth.length;
}

/**
 * Counts `matrix[true][predicted]` over `numClasses` classes (rows: true class, columns:
 * predicted, as scikit-learn's confusion_matrix). Throws on a label outside 0..numClasses-1,
 * so an unknown test label (255) cannot be silently dropped.
 */
export function confusionMatrix(truth: Labels, predicted: Labels, numClasses: number): number[][] {
  checkSameLength(truth, predicted);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) {
      throw new RangeError(`Expected labels in 0..${numClasses - 1} but received true ${t}, predicted ${p} at position ${i}.`);
    }
    matrix[t]![p]! += 1;
  }
  return matrix;
}

const ratio = (num: number, den: number) => (den === 0 ? 0 : num / den);

/** Precision, recall and F1 of every class from a confusion matrix (rows true, columns predicted). */
export function classReport(matrix: number[][]): ClassReport {
  const k = matrix.length;
  const perClass: ClassScores[] = [];
  for (let c = 0; c < k; c++) {
    const tp = matrix[c]![c]!;
    let predictedAsC = 0;
    let support = 0;
    for (let r = 0; r < k; r++) predictedAsC += matrix[r]![c]!;
    for (let col = 0; col < k; col++) support += matrix[c]![col]!;
    const precision = ratio(tp, predictedAsC);
    const recall = ratio(tp, support);
    perClass.push({ precision, recall, f1: ratio(2 * precision * recall, precision + recall), support });
  }
  const mean = (key: 'precision' | 'recall' | 'f1') => perClass.reduce((s, c) => s + c[key], 0) / Math.max(1, k);
  return { perClass, macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') } };
}

/** Index of the largest value in each row of a row-major `n x k` matrix (first one on ties). */
export function argmaxRows(values: ArrayLike<number>, n: number, k: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (values[i * k + j]! > values[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}
