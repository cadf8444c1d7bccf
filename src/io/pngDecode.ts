import { inflateSync } from 'node:zlib';
import { IMAGE_SIZE_PX } from '../dataset.js';
import { DataError } from '../errors.js';
import { cannotDecode, imageDataBytes, PNG_FIX, readPngChunks, type PngHeader } from './pngChunks.js';
import { decodeWithPngjs } from './decodeWithPngjs.js';

const ROW_BYTES = IMAGE_SIZE_PX + 1; // filter byte + one byte per grey pixel
const TRUE_COLOUR: Record<number, string> = { 2: '3 channels (RGB)', 6: '4 channels (RGBA)' };
/** The bit depths PNG allows for each grey colour type: grey, palette, grey + alpha. */
const BIT_DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 3: [1, 2, 4, 8], 4: [8, 16] };

/**
 * Decodes one 28x28 greyscale PNG into `out` at `offset` (784 bytes, row-major), to the pixels
 * libpng gives with strip-16 and strip-alpha (the study's `imread`, sharp): any grey encoding
 * (1 to 16 bits, palette of greys, grey + alpha, Adam7). Throws DataError naming `file` and what
 * to do for anything else: not a PNG, truncated, corrupt, another size, colour.
 *
 * The image data is inflated with a limit of exactly the bytes its header allows, so a small
 * file that inflates to gigabytes (a zlib bomb) costs no more than a real image.
 *
 * Plain 8-bit grey (the dataset's own format) is our own code on node:zlib's inflateSync,
 * because it is faster than pngjs on these tiny files (pngjs expands to RGBA and allocates per
 * image; this writes straight into the caller's buffer; bench/RESULTS.md). The other encodings
 * go to pngjs, once the bound is checked.
 */
export function decodeGreyPng(bytes: Uint8Array, file: string, out: Uint8Array, offset: number): void {
  const png = readPngChunks(bytes, file);
  checkHeader(png.header, file);
  const raw = inflateImageData(png.imageData, imageDataBytes(png.header), file);
  const { bitDepth, colourType, interlace } = png.header;
  if (bitDepth === 8 && colourType === 0 && interlace === 0) unfilter(raw, out, offset, file);
  else decodeWithPngjs(png, file, out, offset);
}

/** Throws DataError naming `file` unless the header is a valid one of a 28x28 grey image. */
function checkHeader(h: PngHeader, file: string): void {
  if (h.width !== IMAGE_SIZE_PX || h.height !== IMAGE_SIZE_PX) {
    throw new DataError(`${file} is ${h.width}x${h.height} pixels, expected ${IMAGE_SIZE_PX}x${IMAGE_SIZE_PX}. Resize it to 28x28, or remove it and its CSV row.`);
  }
  const depths = BIT_DEPTHS[h.colourType];
  if (!depths) {
    const what = TRUE_COLOUR[h.colourType] ?? `colour type ${h.colourType}`;
    throw new DataError(`${file} has ${what}, expected 1 channel (greyscale). ${PNG_FIX}`);
  }
  if (!depths.includes(h.bitDepth)) {
    throw cannotDecode(file, `its IHDR gives bit depth ${h.bitDepth} for colour type ${h.colourType}, which PNG does not allow`);
  }
  // libpng refuses these too: PNG defines only method 0 for both
  if (h.compression !== 0) throw cannotDecode(file, `its IHDR gives compression method ${h.compression}, not 0 (deflate)`);
  if (h.filter !== 0) throw cannotDecode(file, `its IHDR gives filter method ${h.filter}, not 0 (adaptive)`);
  if (h.interlace > 1) throw cannotDecode(file, `its IHDR gives interlace method ${h.interlace}, not 0 (none) or 1 (Adam7)`);
}

/** Inflates at most `expected` bytes (node:zlib stops once past the limit) and checks the size. */
function inflateImageData(data: Uint8Array, expected: number, file: string): Buffer {
  let raw: Buffer;
  try {
    raw = inflateSync(data, { maxOutputLength: expected });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw cannotDecode(file, `its image data inflates to more than the ${expected} bytes its 28x28 header allows (a zlib bomb?)`);
    }
    throw cannotDecode(file, `its image data is corrupt (${(err as Error).message})`);
  }
  if (raw.length !== expected) throw cannotDecode(file, `its image data holds ${raw.length} bytes, expected ${expected}`);
  return raw;
}

/** Undoes the PNG row filters (1 byte per pixel), writing the pixels into `out` at `offset`. */
function unfilter(raw: Uint8Array, out: Uint8Array, offset: number, file: string): void {
  const w = IMAGE_SIZE_PX;
  for (let y = 0; y < w; y += 1) {
    const filter = raw[y * ROW_BYTES]!;
    const src = y * ROW_BYTES + 1;
    const dst = offset + y * w;
    const up = dst - w; // previous output row; only read when y > 0
    if (filter === 0) {
      out.set(raw.subarray(src, src + w), dst);
      continue;
    }
    for (let x = 0; x < w; x += 1) {
      const a = x > 0 ? out[dst + x - 1]! : 0;
      const b = y > 0 ? out[up + x]! : 0;
      const c = x > 0 && y > 0 ? out[up + x - 1]! : 0;
      const v = raw[src + x]!;
      switch (filter) {
        case 1: out[dst + x] = v + a; break;
        case 2: out[dst + x] = v + b; break;
        case 3: out[dst + x] = v + ((a + b) >> 1); break;
        case 4: out[dst + x] = v + paeth(a, b, c); break;
        default: throw cannotDecode(file, `row ${y} has unknown filter type ${filter}`);
      }
    }
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
