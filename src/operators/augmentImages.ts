import { map, type OperatorFunction } from 'rxjs';
import { ConfigError } from '../errors.js';
import type { Rng } from '../random.js';

/** How training images are varied: each a new random draw per image and epoch. */
export interface AugmentOptions {
  /** the most pixels an image moves along each axis (0: none); the edge it leaves is zero */
  shift: number;
  /** mirror half of the images left to right */
  flip: boolean;
}

/**
 * `pixels` (a `side` x `side` image, row-major) moved by (dx, dy) and, with `flip`, mirrored:
 * output (x, y) is input (x', y + dy) where x' = x + dx, or side - 1 - (x + dx) when flipped;
 * pixels from outside the image are 0 (pad with zeros, then crop: the dataset's background).
 */
export function shiftAndFlip(pixels: Float32Array, side: number, dx: number, dy: number, flip: boolean): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let y = 0; y < side; y++) {
    const sy = y + dy;
    if (sy < 0 || sy >= side) continue;
    for (let x = 0; x < side; x++) {
      const sx = x + dx;
      if (sx < 0 || sx >= side) continue;
      out[y * side + x] = pixels[sy * side + (flip ? side - 1 - sx : sx)]!;
    }
  }
  return out;
}

/**
 * Training-time augmentation: each image is shifted by a random whole number of pixels in
 * [-shift, shift] along each axis (pad and crop) and, with `flip`, mirrored with probability
 * 1/2. Draws come from `rng` in image order (three per image: dx, dy, flip), so a seeded rng
 * gives the same images every run. Other fields pass through.
 *
 * @example
 * from(images).pipe(normalizePixels(), augmentImages({ shift: 2, flip: true }, 28, createRng(seed)), batchImages(500))
 */
export function augmentImages<T extends { pixels: Float32Array }>(options: AugmentOptions, side: number, rng: Rng): OperatorFunction<T, T> {
  if (!Number.isInteger(options.shift) || options.shift < 0 || options.shift >= side) {
    throw new ConfigError('augment shift', `an integer in [0, ${side - 1}]`, options.shift);
  }
  const span = 2 * options.shift + 1;
  return map((item) => {
    const dx = rng.int(span) - options.shift;
    const dy = rng.int(span) - options.shift;
    const flip = rng.next() < 0.5;
    return { ...item, pixels: shiftAndFlip(item.pixels, side, dx, dy, options.flip && flip) };
  });
}
