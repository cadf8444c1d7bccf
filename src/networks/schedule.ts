/**
 * Per-step training settings beyond the study's fixed Adam: the learning rate of a schedule,
 * AdamW's decoupled weight decay and label smoothing. The study's networks use none of them.
 */

/** What one training step uses. */
export interface StepSettings {
  learningRate: number;
  /** AdamW's decoupled decay: each weight is first scaled by 1 - learningRate * weightDecay (0: plain Adam) */
  weightDecay: number;
  /** the target is 1 - s on the true class plus s / classes everywhere (0: one-hot) */
  labelSmoothing: number;
}

/** A one-cycle schedule (PyTorch's OneCycleLR, cosine, without momentum cycling). */
export interface OneCycle {
  /** the learning rate at the top of the cycle */
  peak: number;
  /** steps in the whole run */
  totalSteps: number;
  /** fraction of the steps spent rising to the peak */
  warmupFraction: number;
  /** the first step's rate is peak / startDivisor */
  startDivisor: number;
  /** the last step's rate is peak / startDivisor / endDivisor */
  endDivisor: number;
}

/** PyTorch's defaults besides the peak and the length. */
export const ONE_CYCLE_DEFAULTS = { warmupFraction: 0.3, startDivisor: 25, endDivisor: 1e4 } as const;

/** Cosine from `from` to `to` as `fraction` goes from 0 to 1. */
const cosine = (from: number, to: number, fraction: number) => to + ((from - to) / 2) * (1 + Math.cos(Math.PI * fraction));

/**
 * The one-cycle learning rate at 0-based `step`: a cosine rise from peak / startDivisor to the
 * peak over the first warmupFraction of the steps, then a cosine fall to the end rate at the
 * last step, with PyTorch's OneCycleLR's step boundaries (so the reference bench runs the same
 * schedule). Steps past the end keep the end rate.
 */
export function oneCycleLearningRate(step: number, c: OneCycle): number {
  const start = c.peak / c.startDivisor;
  const end = start / c.endDivisor;
  const top = c.warmupFraction * c.totalSteps - 1;
  const last = c.totalSteps - 1;
  if (step <= top) return cosine(start, c.peak, top > 0 ? step / top : 1);
  if (step >= last) return end;
  return cosine(c.peak, end, (step - top) / (last - top));
}
