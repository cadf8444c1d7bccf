import { bufferCount, map, pipe, type OperatorFunction } from 'rxjs';
import type { ImageBatch } from '../dataset.js';
import { ConfigError, DataError } from '../errors.js';

/** One image ready for a network: [0, 1] pixels (row-major) and its class. */
export interface LabeledImage {
  pixels: Float32Array;
  label: number;
}


/** Stacks images into one batch; throws DataError when their sizes differ. */
export function toBatch(images: readonly LabeledImage[]): ImageBatch {
  const size = images[0]?.pixels.length ?? 0;
  const pixels = new Float32Array(images.length * size);
  const labels = new Uint8Array(images.length);
  images.forEach((image, i) => {
    if (image.pixels.length !== size) {
      throw new DataError(
        `Cannot batch images of different sizes: image ${i} has ${image.pixels.length} pixels, image 0 has ${size}. ` +
          'Resize every image to the same shape first.',
      );
    }
    pixels.set(image.pixels, i * size);
    labels[i] = image.label;
  });
  return { count: images.length, pixels, labels };
}

/**
 * Groups images into batches of `size`; the final batch may be smaller.
 *
 * @example
 * from(images).pipe(batchImages(500)) // 38,400 images -> 76 batches of 500 and one of 400
 */
export function batchImages(size: number): OperatorFunction<LabeledImage, ImageBatch> {
  if (!Number.isInteger(size) || size < 1) {
    throw new ConfigError('batchSize', 'a positive integer', size);
  }
  return pipe(bufferCount(size), map(toBatch));
}
