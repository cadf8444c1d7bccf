import { PNG } from 'pngjs';
import { IMAGE_SIZE_PX, PIXELS_PER_IMAGE } from '../dataset.js';
import { DataError } from '../errors.js';
import { cannotDecode, PNG_FIX, type PngChunks } from './pngChunks.js';
import { PNG_SIGNATURE, pngChunk } from './pngEncode.js';

const PALETTE = 3;

/**
 * Decodes a 28x28 grey PNG in an encoding other than plain 8-bit grey (Adam7, a palette of
 * greys, 1/2/4/16-bit, grey + alpha) with pngjs into `out` at `offset`, to the pixels libpng
 * gives with strip-16 and strip-alpha: the high byte of a 16-bit sample, alpha dropped, 1/2/4-bit
 * grey scaled to 0..255. A palette with colours in use is refused, naming `file`.
 *
 * Call it only once the image data is known to inflate to no more than the header allows:
 * pngjs inflates an interlaced image with no limit.
 */
export function decodeWithPngjs(png: PngChunks, file: string, out: Uint8Array, offset: number): void {
  const { bitDepth, colourType } = png.header;
  if (colourType === PALETTE && !png.palette) throw cannotDecode(file, 'it has colour type 3 (palette) but no PLTE chunk');
  let data: ArrayLike<number>;
  try {
    // skipRescale: pngjs would round 16-bit samples to 8 bits, where libpng keeps the high byte
    data = PNG.sync.read(checkedPng(png), { skipRescale: true }).data;
  } catch (err) {
    throw cannotDecode(file, `its image data is corrupt (${(err as Error).message})`);
  }
  // RGBA out of pngjs, 8-bit samples in a Buffer or 16-bit ones in a Uint16Array
  const scale = colourType === PALETTE || bitDepth >= 8 ? 1 : 255 / (2 ** bitDepth - 1);
  const shift = bitDepth === 16 ? 8 : 0;
  for (let i = 0; i < PIXELS_PER_IMAGE; i += 1) {
    const r = data[i * 4]!;
    const g = data[i * 4 + 1]!;
    const b = data[i * 4 + 2]!;
    if (r !== g || g !== b) {
      const [row, column] = [Math.floor(i / IMAGE_SIZE_PX), i % IMAGE_SIZE_PX];
      throw new DataError(`${file} has a colour palette (the pixel at row ${row}, column ${column} is RGB ${r},${g},${b}), expected greyscale. ${PNG_FIX}`);
    }
    out[offset + i] = (r >> shift) * scale;
  }
}

/**
 * A PNG of exactly the chunks the caller checked (IHDR, PLTE, one IDAT, IEND), so pngjs decodes
 * the bytes whose bound was checked and nothing else; tRNS is left out, which strips alpha
 * from palette and grey images as libpng does.
 */
function checkedPng(png: PngChunks): Buffer {
  const chunks: [string, Uint8Array][] = [['IHDR', png.ihdr], ...(png.palette ? [['PLTE', png.palette] as [string, Uint8Array]] : []), ['IDAT', png.imageData], ['IEND', new Uint8Array(0)]];
  return Buffer.concat([PNG_SIGNATURE, ...chunks.map(([type, data]) => pngChunk(type, data))]);
}
