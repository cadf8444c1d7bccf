/**
 * Adds a grown tree's leaf values to the margins of its class, in the thread that grew it (so
 * the round's trees update their margins side by side): the sampled training rows from the
 * tree's own partition (each leaf's rows are a range of the region's `order`, no walk needed),
 * the training rows left out of the sample and the validation rows by walking the tree.
 */
import type { WasmMemory } from '../wasm/wasmModule.js';
import type { BoostLayout } from './boostMemory.js';
import type { GrownInRegion, GrowTask } from './growTree.js';
import { NO_NODE, type BoostTree } from './model.js';

/** Adds `grown`'s leaf values (float32, as the model keeps them) to class `task.cls`'s training and validation margins. */
export function addTreeToMargins(memory: WasmMemory, layout: BoostLayout, region: number, task: GrowTask, grown: GrownInRegion): void {
  const { tree, ranges } = grown;
  const { rows, validRows, features } = layout;
  const { buffer } = memory;
  const margins = new Float64Array(buffer, layout.margins + task.cls * rows * 8, rows);
  const order = new Int32Array(buffer, layout.regionStart + region * layout.region.bytes + layout.region.order, task.sampleCount);
  for (let n = 0; n < tree.leftChildren.length; n++) {
    if (tree.leftChildren[n] !== NO_NODE) continue;
    const value = tree.splitConditions[n]!;
    const end = ranges[2 * n]! + ranges[2 * n + 1]!;
    for (let i = ranges[2 * n]!; i < end; i++) margins[order[i]!] += value;
  }
  const x = new Uint8Array(buffer, layout.x, features * rows);
  const unsampled = new Int32Array(buffer, layout.unsampled, task.unsampledCount);
  for (let i = 0; i < unsampled.length; i++) margins[unsampled[i]!] += leafValue(tree, x, rows, 1, unsampled[i]!);
  const valid = new Uint8Array(buffer, layout.validPixels, validRows * features);
  const validMargins = new Float64Array(buffer, layout.validMargins + task.cls * validRows * 8, validRows);
  for (let i = 0; i < validRows; i++) validMargins[i] += leafValue(tree, valid, 1, features, i);
}

/** The leaf value of `row`, feature f of row r being `bytes[f * featureStride + r * rowStride]`. */
function leafValue(tree: BoostTree, bytes: Uint8Array, featureStride: number, rowStride: number, row: number): number {
  const { leftChildren: left, rightChildren: right, splitIndices: feature, splitConditions: condition } = tree;
  const base = row * rowStride;
  let n = 0;
  while (left[n] !== NO_NODE) n = bytes[base + feature[n]! * featureStride]! < condition[n]! ? left[n]! : right[n]!;
  return condition[n]!;
}
