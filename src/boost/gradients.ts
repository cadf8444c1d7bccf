/**
 * Multiclass softmax (XGBoost's multi:softprob) over the margins of a set of rows: their scores
 * (mlogloss, accuracy) and, for the training rows, the next round's gradient pairs, in one pass
 * (the same probabilities serve both).
 *
 * Margins are class-major, `margins[k * rows + i]`: each class's column is written by the one
 * thread that grew that class's tree, with no cache line shared between threads.
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

/** Scores of a set of rows. */
export interface Scores {
  mlogloss: number;
  accuracy: number;
}

/** Where to write gradient pairs: int32s, and their fixed-point scale (gradientScale). */
export interface GradientOut {
  gh: Int32Array;
  scale: number;
}

/**
 * The scores of the rows whose class-major margins are `margins` and labels `labels` (an
 * argmax tie goes to the lower class). With `out`, also writes every row's gradient pair for
 * every class: for row i and class k, at int32 `(k * rows + i) * 4`, (p - y, max(2 p (1 - p),
 * MIN_HESSIAN), 1, 0) in fixed point (times the scale, rounded; a hessian at least 1 unit, so it
 * stays positive), p the softmax of the row's margins and y 1 for its label. The factor 2 is
 * XGBoost's (its hessian is twice the diagonal of softmax's).
 */
export function softmaxPass(margins: Float64Array, labels: Uint8Array, classes: number, out?: GradientOut): Scores {
  const rows = labels.length;
  const p = new Float64Array(classes);
  let loss = 0;
  let right = 0;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, margins[k * rows + i]!);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += p[k] = Math.exp(margins[k * rows + i]! - max);
    let top = 0;
    for (let k = 0; k < classes; k++) {
      p[k] = p[k]! / sum;
      if (p[k]! > p[top]!) top = k;
    }
    const label = labels[i]!;
    if (top === label) right++;
    loss -= Math.log(Math.max(p[label]!, MIN_PROBABILITY));
    if (out) {
      const { gh, scale } = out;
      for (let k = 0; k < classes; k++) {
        const at = (k * rows + i) * INTS_PER_PAIR;
        const pk = p[k]!;
        gh[at] = Math.round((label === k ? pk - 1 : pk) * scale);
        gh[at + 1] = Math.max(1, Math.round(Math.max(2 * pk * (1 - pk), MIN_HESSIAN) * scale));
        gh[at + 2] = 1;
        gh[at + 3] = 0;
      }
    }
  }
  return { mlogloss: loss / rows, accuracy: right / rows };
}
