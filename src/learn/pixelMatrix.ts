/**
 * Training data for the tree learner: uint8 features held twice, feature by feature and row by
 * row. A big node reads one feature's values for its many samples (contiguous by feature); a
 * small node reads many features of its few samples, whose rows then stay in cache for every
 * feature it and its subtree search (contiguous by row).
 */
export interface PixelMatrix {
  /** feature f of sample s at `byFeature[f * sampleCount + s]` */
  byFeature: Uint8Array;
  /** feature f of sample s at `byRow[s * featureCount + f]` */
  byRow: Uint8Array;
  sampleCount: number;
  featureCount: number;
}

/** Rows transposed per block, so both the rows read and the features written stay in cache. */
const BLOCK_ROWS = 64;

/**
 * The rows `rows` of row-major `pixels` (`width` features per row) as a PixelMatrix whose
 * sample s is `rows[s]`. With `shared`, both copies live in SharedArrayBuffers that worker
 * threads read without a copy.
 */
export function toPixelMatrix(pixels: Uint8Array, width: number, rows: ArrayLike<number>, shared = false): PixelMatrix {
  const n = rows.length;
  const alloc = () => new Uint8Array(shared ? new SharedArrayBuffer(n * width) : new ArrayBuffer(n * width));
  const byFeature = alloc();
  const byRow = alloc();
  for (let s = 0; s < n; s++) {
    const r = rows[s]!;
    if (!(Number.isInteger(r) && r >= 0 && (r + 1) * width <= pixels.length)) {
      throw new RangeError(`Expected row indexes in 0..${pixels.length / width - 1} but received ${r} at position ${s}.`);
    }
    byRow.set(pixels.subarray(r * width, (r + 1) * width), s * width);
  }
  for (let start = 0; start < n; start += BLOCK_ROWS) {
    const end = Math.min(n, start + BLOCK_ROWS);
    for (let f = 0; f < width; f++) {
      const out = f * n;
      for (let s = start; s < end; s++) byFeature[out + s] = byRow[s * width + f]!;
    }
  }
  return { byFeature, byRow, sampleCount: n, featureCount: width };
}
