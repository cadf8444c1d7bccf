import { map, type OperatorFunction } from 'rxjs';
import { PIXEL_MAX } from '../dataset.js';

/** Scales 0..255 grey levels to [0, 1] floats, as the study divides by 255. */
export function toUnitRange(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / PIXEL_MAX;
  return out;
}

/**
 * Replaces each item's uint8 `pixels` with [0, 1] floats; every other field passes through.
 *
 * @example
 * from([{ pixels: Uint8Array.of(0, 255), label: 3 }]).pipe(normalizePixels())
 * // emits { pixels: Float32Array [0, 1], label: 3 }
 */
export function normalizePixels<T extends { pixels: Uint8Array }>(): OperatorFunction<
  T,
  Omit<T, 'pixels'> & { pixels: Float32Array }
> {
  return map((item) => ({ ...item, pixels: toUnitRange(item.pixels) }));
}
