import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { dataIdxDir, dataLayoutDir } from '../../fixtures/data.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { parseIdxImages, readIdxBytes } from '../../src/io/idx.js';
import { decodeGreyPng } from '../../src/io/pngDecode.js';
import { encodeGreyPng } from '../../src/io/pngEncode.js';

/** Train images 0..39 from the IDX fixture, as a plain Uint8Array (deepEqual tells Buffer apart). */
const trainImages = async () => {
  const { pixels } = parseIdxImages(await readIdxBytes(join(dataIdxDir, 'train-images-idx3-ubyte.gz')), 'train-images');
  return { pixels: new Uint8Array(pixels) };
};
const decode = (bytes: Uint8Array, file = 'x.png') => {
  const out = new Uint8Array(PIXELS_PER_IMAGE);
  decodeGreyPng(bytes, file, out, 0);
  return out;
};

/** Rebuilds a PNG from its chunks, letting a test split, add or drop chunks. */
function chunksOf(png: Buffer): { type: string; data: Buffer }[] {
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    chunks.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}
function pngOf(chunks: { type: string; data: Uint8Array }[]): Buffer {
  const parts = chunks.map(({ type, data }) => {
    const c = Buffer.alloc(12 + data.length);
    c.writeUInt32BE(data.length, 0);
    c.write(type, 4, 'latin1');
    c.set(data, 8);
    c.writeUInt32BE(crc32(c.subarray(4, 8 + data.length)), 8 + data.length);
    return c;
  });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...parts]);
}

describe('encodeGreyPng', () => {
  it('writes an 8-bit greyscale PNG that pngjs reads back to the same pixels', async () => {
    const { pixels } = await trainImages();
    const first = pixels.subarray(0, PIXELS_PER_IMAGE);
    const png = PNG.sync.read(encodeGreyPng(first, 28, 28));
    assert.equal(png.width, 28);
    assert.equal(png.height, 28);
    assert.equal(png.colorType, 0);
    assert.equal(png.depth, 8);
    // pngjs expands grey to RGBA: every 4th byte is the grey value
    assert.deepEqual(Uint8Array.from({ length: PIXELS_PER_IMAGE }, (_, i) => png.data[i * 4]!), first);
  });

  it('rejects a pixel count that does not match the size', () => {
    assert.throws(() => encodeGreyPng(new Uint8Array(10), 28, 28), {
      name: 'RangeError',
      message: 'Expected 784 pixels for a 28x28 PNG but received 10.',
    });
  });
});

describe('decodeGreyPng', () => {
  it('decodes the layout PNGs to exactly the IDX bytes', async () => {
    const { pixels } = await trainImages();
    for (const id of [0, 17, 39]) {
      const bytes = await readFile(join(dataLayoutDir, 'images', 'train', `${id}.png`));
      assert.deepEqual(decode(bytes), pixels.subarray(id * PIXELS_PER_IMAGE, (id + 1) * PIXELS_PER_IMAGE));
    }
  });

  it('undoes the Sub, Up, Average and Paeth filters of an adaptively filtered PNG', async () => {
    const { pixels } = await trainImages();
    const first = Buffer.from(pixels.subarray(0, PIXELS_PER_IMAGE));
    const png = await sharp(first, { raw: { width: 28, height: 28, channels: 1 } })
      .toColourspace('b-w')
      .png({ adaptiveFiltering: true, compressionLevel: 9 })
      .toBuffer();
    const raw = PNG.sync.read(png, { skipRescale: true });
    assert.equal(raw.colorType, 0);
    assert.deepEqual(decode(png), new Uint8Array(first));
  });

  it('writes at the given offset and leaves the rest of the buffer alone', async () => {
    const bytes = await readFile(join(dataLayoutDir, 'images', 'train', '0.png'));
    const out = new Uint8Array(3 * PIXELS_PER_IMAGE).fill(7);
    decodeGreyPng(bytes, 'x.png', out, PIXELS_PER_IMAGE);
    assert.deepEqual(out.subarray(PIXELS_PER_IMAGE, 2 * PIXELS_PER_IMAGE), decode(bytes));
    assert.ok(out.subarray(0, PIXELS_PER_IMAGE).every((v) => v === 7));
    assert.ok(out.subarray(2 * PIXELS_PER_IMAGE).every((v) => v === 7));
  });

  it('joins image data split over several IDAT chunks and skips ancillary chunks', async () => {
    const { pixels } = await trainImages();
    const first = pixels.subarray(0, PIXELS_PER_IMAGE);
    const [ihdr, idat, iend] = chunksOf(encodeGreyPng(first, 28, 28));
    const half = idat!.data.length >> 1;
    const png = pngOf([
      ihdr!,
      { type: 'tEXt', data: Buffer.from('Comment\0from a test') },
      { type: 'IDAT', data: idat!.data.subarray(0, half) },
      { type: 'IDAT', data: idat!.data.subarray(half) },
      iend!,
    ]);
    assert.deepEqual(decode(png), first);
  });

  it('names a PNG whose chunks end without IEND', async () => {
    const [ihdr, idat] = chunksOf(await readFile(join(dataLayoutDir, 'images', 'train', '0.png')));
    const png = pngOf([ihdr!, idat!]);
    assert.throws(() => decode(png, 'cut.png'), {
      name: 'DataError',
      message: `Cannot decode cut.png: the PNG is truncated (${png.length} bytes, no IEND chunk). Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.`,
    });
  });

  it('names an empty file', () => {
    assert.throws(() => decode(new Uint8Array(0), 'data/empty.png'), {
      name: 'DataError',
      message: 'Cannot decode data/empty.png: the file is empty (0 bytes). Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.',
    });
  });

  it('rejects 16-bit greyscale', async () => {
    const png = await sharp(Buffer.alloc(784 * 2), { raw: { width: 28, height: 28, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    assert.throws(() => decode(png, 'deep.png'), {
      name: 'DataError',
      message: 'deep.png has 16-bit pixels, expected 8-bit. Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.',
    });
  });

  it('names corrupt image data', async () => {
    const bytes = Buffer.from(await readFile(join(dataLayoutDir, 'images', 'train', '0.png')));
    bytes.fill(0xee, 41, 60); // inside the IDAT chunk's deflate stream
    assert.throws(() => decode(bytes, 'bad.png'), (err: Error) => {
      assert.equal(err.name, 'DataError');
      assert.match(err.message, /^Cannot decode bad\.png: its image data is corrupt \(.+\)\. Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row\.$/);
      return true;
    });
  });
});
