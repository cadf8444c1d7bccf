import { createSharedMemory, type WasmMemory } from '../wasm/wasmModule.js';
import { adamUpdate, type AdamSettings, type GradientPair } from './flatAdam.js';
import type { FlatLayout } from './flatWeights.js';

/** What the threads of a data-parallel run share, each a FlatLayout-ordered view of a SharedArrayBuffer. */
export interface SharedTrainingArrays {
  /** the shared WebAssembly memory all four arrays are views of, where they are (the SIMD Adam runs there) */
  memory?: WasmMemory;
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
 * The arrays for `layout` with `slotCount` shard slots, zeroed, all views of one shared
 * WebAssembly memory (each starting on a 16-byte boundary), so threads see the same floats
 * and SIMD loops can address them.
 */
export function allocateSharedArrays(layout: FlatLayout, slotCount: number): SharedTrainingArrays {
  const lengths = [layout.totalFloats, layout.trainableFloats, layout.trainableFloats, slotCount * layout.totalFloats];
  const offsets: number[] = [];
  let bytes = 0;
  for (const length of lengths) {
    offsets.push(bytes);
    bytes += Math.ceil((length * Float32Array.BYTES_PER_ELEMENT) / 16) * 16;
  }
  const memory = createSharedMemory(bytes);
  const [weights, m, v, slots] = lengths.map((length, i) => new Float32Array(memory.buffer, offsets[i], length)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  return { memory, weights, m, v, slots };
}

/**
 * Applies a step's shard results to `weights[start, end)`: the slots' average (weighted by
 * image share: the gradient of the whole batch's mean loss, and the BatchNorm statistics),
 * read in the same pass as one Adam update of the trainable floats, and copied for the
 * statistics. Ranges do not overlap, so threads can apply them at once.
 */
export function updateRange(arrays: SharedTrainingArrays, layout: FlatLayout, range: UpdateRange): void {
  const { start, end } = range;
  const grad = slotPair(arrays, layout, range);
  const split = Math.min(Math.max(start, layout.trainableFloats), end);
  adamUpdate({ ...range.adam, m: arrays.m, v: arrays.v }, arrays.weights, grad, start, split, arrays.memory);
  const { a, shareA, b, shareB } = grad;
  for (let i = split; i < end; i++) arrays.weights[i] = a[i]! * shareA + b[i]! * shareB;
}

/**
 * The slots' weighted sum over `[start, end)` as a GradientPair: slot 0 and slot 1 as they
 * are (one slot: slot 0 twice, the second weighted 0); slots beyond the second are first
 * summed into slot 1's range, with their shares.
 */
function slotPair(arrays: SharedTrainingArrays, layout: FlatLayout, range: UpdateRange): GradientPair {
  const { start, end, shares } = range;
  const slot = (k: number) => arrays.slots.subarray(k * layout.totalFloats, (k + 1) * layout.totalFloats);
  const a = slot(0);
  if (shares.length === 1) return { a, shareA: shares[0]!, b: a, shareB: 0 };
  const b = slot(1);
  if (shares.length === 2) return { a, shareA: shares[0]!, b, shareB: shares[1]! };
  const rest = shares.slice(1);
  averageInto(b, rest.map((_, k) => slot(k + 1)), rest, start, end);
  return { a, shareA: shares[0]!, b, shareB: 1 };
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
