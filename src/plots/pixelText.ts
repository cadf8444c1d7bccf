import { IMAGE_SIZE_PX } from '../dataset.js';
import { ConfigError } from '../errors.js';

/**
 * An image's pixel values (0..255) as text, one line per image row, each value right-aligned in
 * 3 characters and separated by one space, so the columns line up (as the study prints the array).
 *
 * @example
 * formatPixelText(Uint8Array.of(0, 7, 255, 12), 2) // '  0   7\n255  12'
 */
export function formatPixelText(pixels: Uint8Array, sizePx: number = IMAGE_SIZE_PX): string {
  if (pixels.length !== sizePx * sizePx) {
    throw new ConfigError('pixels', `${sizePx * sizePx} values (${sizePx} x ${sizePx})`, pixels.length);
  }
  const lines: string[] = [];
  for (let r = 0; r < sizePx; r++) {
    const row = Array.from(pixels.subarray(r * sizePx, (r + 1) * sizePx), (v) => String(v).padStart(3));
    lines.push(row.join(' '));
  }
  return lines.join('\n');
}
