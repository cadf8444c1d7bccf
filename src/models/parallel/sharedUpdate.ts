import { adamUpdate, type AdamSettings } from './flatAdam.js';
import type { FlatLayout } from './flatWeights.js';

/** What the threads of a data-parallel run share, each a FlatLayout-ordered view of a SharedArrayBuffer. */
export interface SharedTrainingArrays {
  /** the current weights (trainable, then BatchNorm statistics) */
  weights: Float32Array;
  /** Adam's first and second moments (trainable part) */
  m: Float32Array;
  v: Float32Array;
  /** one FlatLayout-sized slot per shard: its gradients, then its BatchNorm statistics */
  slots: Float32Array;
}

/** One thread's part of applying a step's shard results: the floats `[start, end)` of the layout. */
export interface UpdateRange {
  start: number;
  end: number;
  /** each shard's share of the batch's images (slot k holds shard k) */
  shares: number[];
  adam: AdamSettings;
}

/**
 * Applies a step's shard results to `weights[start, end)`: averages the slots into slot 0
 * (weighted by image share: the gradient of the whole batch's mean loss, and the BatchNorm
 * statistics), then one Adam update of the trainable floats and a copy of the statistics.
 * Ranges do not overlap, so threads can apply them at once.
 */
export function updateRange(arrays: SharedTrainingArrays, layout: FlatLayout, range: UpdateRange): void {
  const { start, end, shares } = range;
  const slot = (k: number) => arrays.slots.subarray(k * layout.totalFloats, (k + 1) * layout.totalFloats);
  const sum = slot(0);
  averageInto(sum, shares.map((_, k) => slot(k)), shares, start, end);
  const split = Math.min(Math.max(start, layout.trainableFloats), end);
  adamUpdate({ ...range.adam, m: arrays.m, v: arrays.v }, arrays.weights, sum, start, split);
  arrays.weights.set(sum.subarray(split, end), split);
}

/** `target[i] = sum_k shares[k] * parts[k][i]` for i in [start, end); target may be parts[0]. */
export function averageInto(target: Float32Array, parts: readonly Float32Array[], shares: readonly number[], start: number, end: number): void {
  const first = parts[0]!;
  const share = shares[0]!;
  for (let i = start; i < end; i++) target[i] = first[i]! * share;
  for (let k = 1; k < parts.length; k++) {
    const part = parts[k]!;
    const s = shares[k]!;
    for (let i = start; i < end; i++) target[i]! += part[i]! * s;
  }
}

/** `floats` cut into `parts` consecutive ranges of near-equal size. */
export function splitRanges(floats: number, parts: number): { start: number; end: number }[] {
  return Array.from({ length: parts }, (_, k) => ({ start: Math.floor((floats * k) / parts), end: Math.floor((floats * (k + 1)) / parts) }));
}
