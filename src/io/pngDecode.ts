import { inflateSync } from 'node:zlib';
import { IMAGE_SIZE_PX } from '../dataset.js';
import { DataError } from '../errors.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// Chunk types as big-endian uint32, so the chunk walk compares numbers, not strings.
const IHDR = 0x49484452;
const IDAT = 0x49444154;
const IEND = 0x49454e44;
const ROW_BYTES = IMAGE_SIZE_PX + 1; // filter byte + one byte per grey pixel
const COLOUR_TYPES: Record<number, string> = { 2: '3 channels (RGB)', 3: 'a palette', 4: '2 channels (grey + alpha)', 6: '4 channels (RGBA)' };
const FIX = 'Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.';

/** Names a non-PNG file by its first bytes, so the error can say what it probably is. */
function sniff(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty (0 bytes)';
  const hex = Buffer.from(bytes.subarray(0, 4)).toString('hex').toUpperCase();
  const kind =
    bytes[0] === 0xff && bytes[1] === 0xd8 ? ' (JPEG?)'
    : hex.startsWith('47494638') ? ' (GIF?)'
    : hex.startsWith('424D') ? ' (BMP?)'
    : hex === '52494646' ? ' (WebP?)'
    : '';
  return `file starts with ${hex}${kind}, not the PNG signature 89504E47`;
}

/**
 * Decodes one 28x28 8-bit greyscale PNG into `out` at `offset` (784 bytes, row-major).
 * Throws DataError naming `file` and what to do for anything else: not a PNG, truncated,
 * another size, more than one channel, another bit depth, interlaced, corrupt data.
 *
 * Our own decoder on node:zlib's inflateSync, because it is faster than pngjs on these tiny
 * files (pngjs expands to RGBA and allocates per image; this writes straight into the caller's
 * buffer; bench/RESULTS.md). Most of its time is inflateSync itself. CRCs are not checked:
 * truncation and corrupt deflate data are still caught by the length checks and by inflate
 * itself.
 */
export function decodeGreyPng(bytes: Uint8Array, file: string, out: Uint8Array, offset: number): void {
  for (let i = 0; i < SIGNATURE.length; i += 1) {
    if (bytes[i] !== SIGNATURE[i]) throw new DataError(`Cannot decode ${file}: ${sniff(bytes)}. ${FIX}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let pos = SIGNATURE.length;
  let sawHeader = false;
  for (;;) {
    if (pos + 12 > bytes.length) throw new DataError(`Cannot decode ${file}: the PNG is truncated (${bytes.length} bytes, no IEND chunk). ${FIX}`);
    const length = view.getUint32(pos);
    const type = view.getUint32(pos + 4);
    const data = pos + 8;
    if (data + length + 4 > bytes.length) {
      throw new DataError(`Cannot decode ${file}: the PNG is truncated (${bytes.length} bytes, a chunk needs ${data + length + 4}). ${FIX}`);
    }
    if (!sawHeader) {
      if (type !== IHDR) throw new DataError(`Cannot decode ${file}: the PNG does not start with an IHDR chunk. ${FIX}`);
      checkHeader(view, data, file);
      sawHeader = true;
    } else if (type === IDAT) {
      idat.push(bytes.subarray(data, data + length));
    } else if (type === IEND) {
      break;
    }
    pos = data + length + 4;
  }
  if (idat.length === 0) throw new DataError(`Cannot decode ${file}: the PNG has no image data (IDAT chunk). ${FIX}`);
  let raw: Buffer;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  } catch (err) {
    throw new DataError(`Cannot decode ${file}: its image data is corrupt (${(err as Error).message}). ${FIX}`);
  }
  if (raw.length !== ROW_BYTES * IMAGE_SIZE_PX) {
    throw new DataError(`Cannot decode ${file}: its image data holds ${raw.length} bytes, expected ${ROW_BYTES * IMAGE_SIZE_PX}. ${FIX}`);
  }
  unfilter(raw, out, offset, file);
}

function checkHeader(view: DataView, at: number, file: string): void {
  const width = view.getUint32(at);
  const height = view.getUint32(at + 4);
  const bitDepth = view.getUint8(at + 8);
  const colourType = view.getUint8(at + 9);
  const interlace = view.getUint8(at + 12);
  if (width !== IMAGE_SIZE_PX || height !== IMAGE_SIZE_PX) {
    throw new DataError(`${file} is ${width}x${height} pixels, expected ${IMAGE_SIZE_PX}x${IMAGE_SIZE_PX}. Resize it to 28x28, or remove it and its CSV row.`);
  }
  if (colourType !== 0) {
    const what = COLOUR_TYPES[colourType] ?? `colour type ${colourType}`;
    throw new DataError(`${file} has ${what}, expected 1 channel (greyscale). ${FIX}`);
  }
  if (bitDepth !== 8) throw new DataError(`${file} has ${bitDepth}-bit pixels, expected 8-bit. ${FIX}`);
  if (interlace !== 0) throw new DataError(`${file} is interlaced (Adam7), expected a non-interlaced PNG. ${FIX}`);
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
        default: throw new DataError(`Cannot decode ${file}: row ${y} has unknown filter type ${filter}. ${FIX}`);
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
