/**
 * Training data for the tree learner: uint8 features stored feature by feature, so one
 * feature's values for all samples are contiguous (the split search reads one feature at a time).
 */
export interface FeatureMajor {
  /** feature f of sample s is at `values[f * sampleCount + s]` */
  values: Uint8Array;
  sampleCount: number;
  featureCount: number;
}

/** Rows transposed per block, so both the rows read and the features written stay in cache. */
const BLOCK_ROWS = 64;

/**
 * Transposes the rows `rows` of row-major `pixels` (`width` features per row) into a
 * FeatureMajor matrix whose sample s is `rows[s]`. With `shared`, the values live in a
 * SharedArrayBuffer that worker threads can read without a copy.
 */
export function toFeatureMajor(
  pixels: Uint8Array,
  width: number,
  rows: ArrayLike<number>,
  shared = false,
): FeatureMajor {
  const n = rows.length;
  const values = new Uint8Array(shared ? new SharedArrayBuffer(n * width) : new ArrayBuffer(n * width));
  for (let start = 0; start < n; start += BLOCK_ROWS) {
    const end = Math.min(n, start + BLOCK_ROWS);
    for (let f = 0; f < width; f++) {
      const out = f * n;
      for (let s = start; s < end; s++) values[out + s] = pixels[rows[s]! * width + f]!;
    }
  }
  return { values, sampleCount: n, featureCount: width };
}
