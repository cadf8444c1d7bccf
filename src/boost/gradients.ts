/**
 * Multiclass softmax (XGBoost's multi:softprob): the probabilities of the margins, each round's
 * gradient pairs, and the scores of a set of rows (mlogloss, accuracy).
 */
import { BIN_BYTES } from './histogramLayout.js';

/** XGBoost's floor on a hessian (its softmax objective's eps), so no leaf divides by zero. */
export const MIN_HESSIAN = 1e-16;
/** The probability floor of mlogloss (XGBoost's metric clamps the same way). */
const MIN_PROBABILITY = 1e-16;
const INTS_PER_PAIR = BIN_BYTES / 4;

/**
 * The fixed-point scale of the gradient pairs for `rows` training rows: the largest power of two
 * (at most 2^24) with rows x scale < 2^31, so no int32 sum of |g| <= 1 (or h <= 0.5) over the
 * rows overflows. With 48,000 rows it is 2^15: a gradient is kept to 3e-5, far finer than any
 * split needs, and in exchange every histogram sum is exact (histogramLayout.ts).
 */
export function gradientScale(rows: number): number {
  let scale = 2 ** 24;
  while (scale > 1 && rows * scale > 2 ** 31 - 1) scale /= 2;
  return scale;
}

/**
 * Writes the gradient pairs of the `rows` rows for every class: for row i and class k, at int32
 * `(k * rows + i) * 4` of `gh`, (p - y, max(2 p (1 - p), MIN_HESSIAN), 1, 0) in fixed point
 * (times `scale`, rounded; a hessian at least 1 unit, so it stays positive), where p is the
 * softmax of the row's margins (`margins[i * classes + k]`) and y is 1 for its label. The factor
 * 2 is XGBoost's (its hessian is twice the diagonal of softmax's).
 */
export function writeGradients(margins: Float64Array, labels: Uint8Array, classes: number, gh: Int32Array, scale: number): void {
  const rows = labels.length;
  const p = new Float64Array(classes);
  for (let i = 0; i < rows; i++) {
    softmaxOf(margins, i * classes, classes, p);
    for (let k = 0; k < classes; k++) {
      const at = (k * rows + i) * INTS_PER_PAIR;
      const pk = p[k]!;
      gh[at] = Math.round((labels[i] === k ? pk - 1 : pk) * scale);
      gh[at + 1] = Math.max(1, Math.round(Math.max(2 * pk * (1 - pk), MIN_HESSIAN) * scale));
      gh[at + 2] = 1;
      gh[at + 3] = 0;
    }
  }
}

/** The softmax of `classes` margins from `at` into `out`. */
function softmaxOf(margins: Float64Array, at: number, classes: number, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < classes; k++) max = Math.max(max, margins[at + k]!);
  let sum = 0;
  for (let k = 0; k < classes; k++) sum += out[k] = Math.exp(margins[at + k]! - max);
  for (let k = 0; k < classes; k++) out[k] = out[k]! / sum;
}

/** Scores of a set of rows. */
export interface Scores {
  mlogloss: number;
  accuracy: number;
}

/** mlogloss and accuracy of rows whose margins are `margins` (rows of `classes`) and labels `labels`; an argmax tie goes to the lower class. */
export function scoreMargins(margins: Float64Array, labels: Uint8Array, classes: number): Scores {
  const p = new Float64Array(classes);
  let loss = 0;
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    softmaxOf(margins, i * classes, classes, p);
    let top = 0;
    for (let k = 1; k < classes; k++) if (p[k]! > p[top]!) top = k;
    if (top === labels[i]) right++;
    loss -= Math.log(Math.max(p[labels[i]!]!, MIN_PROBABILITY));
  }
  return { mlogloss: loss / labels.length, accuracy: right / labels.length };
}
