import { crc32, deflateSync } from 'node:zlib';

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Signature + IHDR chunk for an 8-bit grey image (bit depth 8, colour type 0, no interlace). */
function greyHead(width: number, height: number): Buffer {
  const head = Buffer.alloc(PNG_SIGNATURE.length + 25);
  PNG_SIGNATURE.copy(head, 0);
  head.writeUInt32BE(13, 8);
  head.write('IHDR', 12, 'latin1');
  head.writeUInt32BE(width, 16);
  head.writeUInt32BE(height, 20);
  head[24] = 8;
  head.writeUInt32BE(crc32(head.subarray(12, 29)), 29);
  return head;
}

/** One PNG chunk: length, type, data, and the CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

// An empty IEND chunk: length 0, type, CRC of the type.
const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const heads = new Map<string, Buffer>();

/**
 * Encodes row-major 8-bit grey pixels as a PNG (colour type 0, filter "None" on every row),
 * built in one buffer: the head is cached per size, only IDAT is computed.
 *
 * Written on node:zlib rather than pngjs because it is much faster on 28x28 images (pngjs
 * works through RGBA; bench/RESULTS.md). Most of the time left is deflateSync itself, which
 * costs about the same at every level and strategy but 0. Filter "None" keeps the encoder
 * trivial; adaptive filters save a few bytes per file, and every file takes a whole
 * filesystem block anyway. Needs Node >= 20.15 for zlib.crc32.
 */
export function encodeGreyPng(pixels: Uint8Array, width: number, height: number): Buffer {
  if (pixels.length !== width * height) {
    throw new RangeError(`Expected ${width * height} pixels for a ${width}x${height} PNG but received ${pixels.length}.`);
  }
  const stride = width + 1;
  const raw = Buffer.alloc(stride * height); // each row: filter byte 0, then the row's pixels
  for (let y = 0; y < height; y += 1) {
    raw.set(pixels.subarray(y * width, (y + 1) * width), y * stride + 1);
  }
  const data = deflateSync(raw);
  const key = `${width}x${height}`;
  let head = heads.get(key);
  if (!head) heads.set(key, (head = greyHead(width, height)));
  const out = Buffer.allocUnsafe(head.length + 12 + data.length + IEND.length);
  head.copy(out, 0);
  let at = head.length;
  out.writeUInt32BE(data.length, at);
  out.write('IDAT', at + 4, 'latin1');
  data.copy(out, at + 8);
  out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + data.length)), at + 8 + data.length);
  at += 12 + data.length;
  IEND.copy(out, at);
  return out;
}

/** A run of consecutive images to write as `{dir}/{id}.png`, ids equal to row numbers. */
export interface EncodeTask {
  /** every image of the set, count x 784; on a SharedArrayBuffer so tasks do not copy it */
  pixels: Uint8Array;
  first: number;
  count: number;
  dir: string;
}
