import { UndecodableError } from '../errors.js';
import { PNG_SIGNATURE } from './pngEncode.js';

/** The advice every PNG decode error ends with. */
export const PNG_FIX = 'Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.';

// Chunk types as big-endian uint32, so the chunk walk compares numbers, not strings.
const IHDR = 0x49484452;
const PLTE = 0x504c5445;
const IDAT = 0x49444154;
const IEND = 0x49454e44;
const IHDR_BYTES = 13;
const MAX_PALETTE_BYTES = 256 * 3;

/** The IHDR fields (PNG spec, 11.2.2). */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  compression: number;
  filter: number;
  interlace: number;
}

/** What a decoder needs of a PNG: its header, its palette (if any) and its IDAT data joined. */
export interface PngChunks {
  header: PngHeader;
  /** the IHDR chunk's 13 data bytes as read */
  ihdr: Uint8Array;
  palette: Uint8Array | undefined;
  /** the zlib stream of every IDAT chunk, in order */
  imageData: Uint8Array;
}

/** The decode error for `file`: `problem` without the file name or the advice. */
export function cannotDecode(file: string, problem: string): UndecodableError {
  return new UndecodableError(`Cannot decode ${file}: ${problem}. ${PNG_FIX}`, problem);
}

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
 * Walks a PNG's chunks up to IEND, checking every length before reading: throws an
 * UndecodableError naming `file` for anything but a complete chunk sequence that starts with a
 * 13-byte IHDR and holds image data. Ancillary chunks are skipped; CRCs are not checked
 * (truncation and corrupt deflate data are caught by the length checks and by inflate).
 */
export function readPngChunks(bytes: Uint8Array, file: string): PngChunks {
  for (let i = 0; i < PNG_SIGNATURE.length; i += 1) {
    if (bytes[i] !== PNG_SIGNATURE[i]) throw cannotDecode(file, sniff(bytes));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let ihdr: Uint8Array | undefined;
  let palette: Uint8Array | undefined;
  for (let pos = PNG_SIGNATURE.length; ; ) {
    if (pos + 12 > bytes.length) throw cannotDecode(file, `the PNG is truncated (${bytes.length} bytes, no IEND chunk)`);
    const length = view.getUint32(pos);
    const type = view.getUint32(pos + 4);
    const data = pos + 8;
    if (data + length + 4 > bytes.length) throw cannotDecode(file, `the PNG is truncated (${bytes.length} bytes, a chunk needs ${data + length + 4})`);
    const body = bytes.subarray(data, data + length);
    if (!ihdr) {
      if (type !== IHDR) throw cannotDecode(file, 'the PNG does not start with an IHDR chunk');
      if (length !== IHDR_BYTES) throw cannotDecode(file, `its IHDR chunk is ${length} bytes, expected ${IHDR_BYTES}`);
      ihdr = body;
    } else if (type === IHDR) {
      throw cannotDecode(file, 'it has a second IHDR chunk');
    } else if (type === PLTE) {
      if (palette) throw cannotDecode(file, 'it has a second PLTE chunk');
      if (length === 0 || length > MAX_PALETTE_BYTES || length % 3 !== 0) {
        throw cannotDecode(file, `its PLTE chunk is ${length} bytes, expected 1 to 256 RGB entries of 3 bytes`);
      }
      palette = body;
    } else if (type === IDAT) {
      idat.push(body);
    } else if (type === IEND) {
      break;
    }
    pos = data + length + 4;
  }
  if (idat.length === 0) throw cannotDecode(file, 'the PNG has no image data (IDAT chunk)');
  return { header: parseHeader(ihdr), ihdr, palette, imageData: idat.length === 1 ? idat[0]! : Buffer.concat(idat) };
}

function parseHeader(ihdr: Uint8Array): PngHeader {
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, IHDR_BYTES);
  return {
    width: view.getUint32(0),
    height: view.getUint32(4),
    bitDepth: ihdr[8]!,
    colourType: ihdr[9]!,
    compression: ihdr[10]!,
    filter: ihdr[11]!,
    interlace: ihdr[12]!,
  };
}

/** Samples per pixel of each colour type: grey, RGB, palette index, grey + alpha, RGBA. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** The Adam7 passes: first column, first row, column step, row step (PNG spec, 8.2). */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Bytes of filtered scanlines that a valid header implies: one filter byte per row plus the
 * packed samples, over the seven reduced images when interlaced. The exact inflated size of its
 * IDAT data, so the bound on inflate (a zlib bomb inflates to far more than its header says).
 */
export function imageDataBytes(h: PngHeader): number {
  const bitsPerPixel = CHANNELS[h.colourType]! * h.bitDepth;
  const scanlines = (width: number, rows: number) => (width > 0 && rows > 0 ? rows * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0);
  if (h.interlace === 0) return scanlines(h.width, h.height);
  let sum = 0;
  for (const [x0, y0, dx, dy] of ADAM7) sum += scanlines(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy));
  return sum;
}
