import { from, identity, map } from 'rxjs';
import { IMAGE_SIZE_PX, PIXELS_PER_IMAGE } from '../../dataset.js';
import type { ImageSet } from '../../io/pixelCache.js';
import { tf } from '../../tfjs/tf.js';
import { batchImages } from '../../operators/batchImages.js';
import type { ImageBatch } from '../../dataset.js';
import { augmentImages, type AugmentOptions } from '../../operators/augmentImages.js';
import { normalizePixels } from '../../operators/normalizePixels.js';
import { createRng, SEED_RANGE, type Rng } from '../../random.js';

/** Keras `validation_split`: the fraction of the training rows held out, taken from the end. */
export const VALIDATION_SPLIT = 0.2;

/** Splits rows as Keras `fit(validation_split=0.2)` does: the last 20%, before any shuffle. */
export function holdOut(rows: readonly number[], fraction = VALIDATION_SPLIT): { fit: number[]; holdout: number[] } {
  const cut = Math.floor(rows.length * (1 - fraction));
  return { fit: rows.slice(0, cut), holdout: rows.slice(cut) };
}

/** Training-time augmentation of a dataset: the options, and the seed of each epoch's draws. */
export interface DatasetAugmentation {
  options: AugmentOptions;
  /** called once per epoch, after `order`: the seed of that epoch's draws */
  seed(): number;
}

/** `options` with each epoch's seed drawn from `rng` (the run's, whose state --resume restores). */
export function augmentEachEpoch(options: AugmentOptions, rng: Rng): DatasetAugmentation {
  return { options, seed: () => rng.int(SEED_RANGE) };
}

/** Rows `rows` of `set` through the normalize (and, given `rng`, augment) and batch operators, as one batch. */
export function batchOfRows(set: ImageSet, rows: readonly number[], augment?: { options: AugmentOptions; rng: Rng }): ImageBatch {
  let batch: ImageBatch | undefined;
  // Every operator here is synchronous, so the batch is out when subscribe returns.
  from(rows)
    .pipe(
      map((row) => ({ pixels: set.pixels.subarray(row * PIXELS_PER_IMAGE, (row + 1) * PIXELS_PER_IMAGE), label: set.labels[row]! })),
      normalizePixels(),
      augment ? augmentImages(augment.options, IMAGE_SIZE_PX, augment.rng) : identity,
      batchImages(Math.max(1, rows.length)),
    )
    .subscribe((b) => (batch = b));
  return batch ?? { count: 0, pixels: new Float32Array(0), labels: new Uint8Array(0) };
}

/**
 * A tf.data dataset of `set`'s rows in batches of `batchSize`. `order` is called when an
 * iteration starts (so a shuffle draws there, once per epoch), never when the dataset is made;
 * each batch is built only when asked for, since RxJS would push a whole epoch at once. With
 * `augment`, every image is varied with draws from that epoch's seed.
 */
export function imageDataset(set: ImageSet, order: () => readonly number[], batchSize: number, augment?: DatasetAugmentation): tf.data.Dataset<ImageBatch> {
  return tf.data.generator(function* () {
    const rows = order();
    const draws = augment && { options: augment.options, rng: createRng(augment.seed()) };
    for (let start = 0; start < rows.length; start += batchSize) {
      yield batchOfRows(set, rows.slice(start, start + batchSize), draws);
    }
  });
}

/** The number of batches an epoch over `rows` rows has. */
export const batchCount = (rows: number, batchSize: number) => Math.ceil(rows / batchSize);
