/** Format facts of Fashion-MNIST, with their units. This module imports nothing: the browser's prediction page uses it too. */
export const IMAGE_SIZE_PX = 28;
export const PIXELS_PER_IMAGE = IMAGE_SIZE_PX * IMAGE_SIZE_PX;
export const PIXEL_MAX = 255;
export const NUM_CLASSES = 10;
export const TRAIN_COUNT = 60_000;
export const TEST_COUNT = 10_000;

/** Class names by label, as in the study. */
export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The image the study enlarges and prints: a Shirt (label 6). */
export const SAMPLE_ID = 8703;

/** Images `rows` of row-major images `pixels` (PIXELS_PER_IMAGE each), copied into one buffer in that order. */
export function imageRows(pixels: Uint8Array, rows: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(rows.length * PIXELS_PER_IMAGE);
  for (let i = 0; i < rows.length; i++) out.set(pixels.subarray(rows[i]! * PIXELS_PER_IMAGE, (rows[i]! + 1) * PIXELS_PER_IMAGE), i * PIXELS_PER_IMAGE);
  return out;
}

/** A float as Python prints it (`0.0`, `1.0`, `0.5`), so the study's checks read the same. */
export function formatFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/** The study's checks: array shapes, then min and max of all pixels scaled to [0, 1]. */
export function studyChecks(cache: Record<'train' | 'test', { count: number; pixels: Uint8Array }>): string[] {
  let min = PIXEL_MAX;
  let max = 0;
  for (const { pixels } of [cache.train, cache.test]) {
    // Indexed loop (a for-of over the pixels is far slower); stops once both extremes are seen.
    for (let i = 0; i < pixels.length && (min > 0 || max < PIXEL_MAX); i += 1) {
      const v = pixels[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const s = IMAGE_SIZE_PX;
  return [
    `(${cache.train.count}, ${s}, ${s}) (${cache.train.count},) (${cache.test.count}, ${s}, ${s})`,
    `${formatFloat(min / PIXEL_MAX)} ${formatFloat(max / PIXEL_MAX)}`,
  ];
}

/** Per-class counts of `rows`, by label. */
function classCounts(rows: number[], labels: Uint8Array): number[] {
  const counts = new Array<number>(CLASS_NAMES.length).fill(0);
  for (const r of rows) counts[labels[r]] += 1;
  return counts;
}

/** Lines of a table: label, name, count in train, count in valid. */
export function classCountTable(train: number[], valid: number[], labels: Uint8Array): string[] {
  const t = classCounts(train, labels);
  const v = classCounts(valid, labels);
  const width = Math.max(...CLASS_NAMES.map((n) => n.length));
  return [
    `class ${'name'.padEnd(width)}  train  valid`,
    ...CLASS_NAMES.map((name, k) => `${String(k).padStart(5)} ${name.padEnd(width)}  ${String(t[k]).padStart(5)}  ${String(v[k]).padStart(5)}`),
  ];
}

/**
 * Images stacked row after row: `pixels` holds `count` images of `pixels.length / count` values.
 * A type alias (not an interface) so that it is a tf.data TensorContainer.
 */
export type ImageBatch = {
  count: number;
  pixels: Float32Array;
  labels: Uint8Array;
};
