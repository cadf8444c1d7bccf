import { crc32, deflateSync } from 'node:zlib';

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC of type + data. */
function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** IHDR data: width, height, bit depth 8, colour type 0 (grey), deflate, no interlace. */
function greyHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  return ihdr;
}

const IEND = pngChunk('IEND', new Uint8Array(0));

/**
 * Encodes row-major 8-bit grey pixels as a PNG (colour type 0, filter "None" on every row).
 *
 * Written on node:zlib rather than pngjs because it measured about 2.5x faster on 28x28 images
 * (~12,000 vs ~5,000 images/s per core); pngjs converts through RGBA first. Filter "None" keeps
 * the encoder trivial; adaptive filters save a few bytes per file, and every file takes a whole
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
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', greyHeader(width, height)), pngChunk('IDAT', deflateSync(raw)), IEND]);
}
