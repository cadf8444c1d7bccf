/**
 * The one shared WebAssembly memory a fit's threads work in (the kernels address only their own
 * memory): the training pixels feature by feature, every class's gradient pairs, the margins of
 * the training and validation rows, the round's sampled rows, and one region per thread for the
 * tree it grows (its rows in node order and its histograms). The main thread writes the pixels
 * once and the gradients and sample each round; a thread growing class k's tree writes only
 * inside the region it claimed and class k's margins.
 */
import { createSharedMemory, type WasmMemory } from '../wasm/wasmModule.js';
import { BEST_SIZE, BIN_BYTES, HIST_BYTES } from './histogramLayout.js';

/** The shape a memory is laid out for. */
export interface BoostShape {
  /** training rows */
  rows: number;
  /** validation rows (0: none) */
  validRows: number;
  features: number;
  classes: number;
  maxLeaves: number;
  /** features each tree samples (its histograms' count) */
  treeFeatures: number;
  /** thread regions: one per thread that grows trees at the same time */
  regions: number;
}

/** Byte addresses of a region's parts, from the region's start. */
export interface RegionLayout {
  /** int32 rows of the tree in node order */
  order: number;
  /** where a partition puts the right side */
  spare: number;
  /** int32 feature indexes the tree may split on */
  features: number;
  /** the scan's result (BEST_SIZE float64s), then two float64 sums */
  best: number;
  sums: number;
  /** maxLeaves histogram slots of treeFeatures histograms each */
  hist: number;
  slotBytes: number;
  bytes: number;
}

/** Byte addresses of everything in the memory. */
export interface BoostLayout extends BoostShape {
  /** uint8 pixels, feature f of training row r at `x + f * rows + r` */
  x: number;
  /** the same pixels row-major: feature f of training row r at `xRows + r * features + f` */
  xRows: number;
  /** int32 (g, h, 1, 0) in fixed point (gradients.ts) of row r for class k at `gh + (k * rows + r) * BIN_BYTES` */
  gh: number;
  /** float64 margins of the training rows, class-major: row r of class k at `margins + (k * rows + r) * 8` */
  margins: number;
  /** the same for the validation rows */
  validMargins: number;
  /** uint8 validation pixels, row-major */
  validPixels: number;
  /** int32 training rows of the round, ascending */
  sample: number;
  /** int32 training rows left out of the round's sample, ascending */
  unsampled: number;
  /** int32 per region: 1 while a thread holds it */
  claims: number;
  /** region i starts at `regionStart + i * region.bytes` */
  regionStart: number;
  region: RegionLayout;
  bytes: number;
}

const ALIGN = 64;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** Lays out parts of `sizes` one after another, each at a 64-byte boundary from `start`; returns their addresses and the end. */
function pack<K extends string>(start: number, sizes: Record<K, number>): Record<K, number> & { end: number } {
  const at = {} as Record<K, number>;
  let next = start;
  for (const key of Object.keys(sizes) as K[]) {
    at[key] = next;
    next = align(next + sizes[key]);
  }
  return { ...at, end: next };
}

/** The layout of a memory for `shape`. */
export function boostLayout(shape: BoostShape): BoostLayout {
  const { rows, validRows, features, classes, maxLeaves, treeFeatures, regions } = shape;
  const slotBytes = treeFeatures * HIST_BYTES;
  const { end: regionBytes, ...region } = pack(0, {
    order: rows * 4,
    spare: rows * 4,
    features: features * 4,
    best: BEST_SIZE * 8,
    sums: 2 * 8,
    hist: maxLeaves * slotBytes,
  });
  // address 0 is left unused, so no part starts at the null pointer
  const { end, ...parts } = pack(ALIGN, {
    x: features * rows,
    xRows: rows * features,
    gh: classes * rows * BIN_BYTES,
    margins: classes * rows * 8,
    validMargins: classes * validRows * 8,
    validPixels: validRows * features,
    sample: rows * 4,
    unsampled: rows * 4,
    claims: regions * 4,
    regionStart: regions * regionBytes,
  });
  return { ...shape, ...parts, region: { ...region, slotBytes, bytes: regionBytes }, bytes: end };
}

/** A shared memory for `layout` (its buffer a SharedArrayBuffer), zeroed. */
export function createBoostMemory(layout: BoostLayout): WasmMemory {
  return createSharedMemory(layout.bytes);
}

/**
 * Writes the `rows` (indexes into row-major `pixels`, `layout.features` bytes a row) row by row
 * at `layout.xRows`, then feature by feature at `layout.x`, a block of rows at a time so both the
 * rows read and the columns written stay in cache.
 */
export function writeTrainPixels(memory: WasmMemory, layout: BoostLayout, pixels: Uint8Array, rows: ArrayLike<number>): void {
  const { features } = layout;
  const n = rows.length;
  const byRow = new Uint8Array(memory.buffer, layout.xRows, features * n);
  for (let s = 0; s < n; s++) byRow.set(pixels.subarray(rows[s]! * features, (rows[s]! + 1) * features), s * features);
  const byFeature = new Uint8Array(memory.buffer, layout.x, features * n);
  const BLOCK = 64;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let f = 0; f < features; f++) {
      const out = f * n;
      for (let s = start; s < end; s++) byFeature[out + s] = byRow[s * features + f]!;
    }
  }
}

/** Copies the `rows` of row-major `pixels` to the validation pixels, in order. */
export function writeValidPixels(memory: WasmMemory, layout: BoostLayout, pixels: Uint8Array, rows: ArrayLike<number>): void {
  const { features, validPixels } = layout;
  const out = new Uint8Array(memory.buffer, validPixels, rows.length * features);
  for (let i = 0; i < rows.length; i++) out.set(pixels.subarray(rows[i]! * features, (rows[i]! + 1) * features), i * features);
}
