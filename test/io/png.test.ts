import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { dataIdxDir, dataLayoutDir } from '../../fixtures/data.js';
import { deflatedZeros, greyPngEncodings, ihdrOf, pngChunk, pngOfChunks } from '../../fixtures/pngEncodings.js';
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
  const parts = chunks.map(({ type, data }) => pngChunk(type, data));
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

/** sharp's decode (libpng: strip-16, alpha dropped) of a PNG's first channel. */
const sharpGrey = async (png: Buffer) => new Uint8Array(await sharp(png).extractChannel(0).raw().toBuffer());
const FIX = 'Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.';

describe('decodeGreyPng: every grey encoding, as libpng decodes it (issue 16)', async () => {
  const { pixels } = await trainImages();
  for (const id of [0, 7]) {
    const image = pixels.subarray(id * PIXELS_PER_IMAGE, (id + 1) * PIXELS_PER_IMAGE);
    for (const [name, { png, lossless }] of Object.entries(await greyPngEncodings(image))) {
      it(`${name} (train image ${id}) gives sharp's pixels${lossless ? ', which are the original ones' : ''}`, async () => {
        const ours = decode(png);
        assert.deepEqual(ours, await sharpGrey(png));
        if (lossless) assert.deepEqual(ours, image);
      });
    }
  }

  it('refuses a palette with colours in use, naming the pixel', () => {
    const plte = Buffer.alloc(256 * 3);
    for (let v = 0; v < 256; v += 1) plte.fill(v, v * 3, v * 3 + 3);
    plte.set([200, 10, 10], 5 * 3);
    const indexes = new Uint8Array(PIXELS_PER_IMAGE);
    indexes[2 * 28 + 3] = 5;
    const rows = Buffer.concat(Array.from({ length: 28 }, (_, y) => Buffer.concat([Buffer.of(0), indexes.subarray(y * 28, y * 28 + 28)])));
    const png = pngOfChunks([['IHDR', ihdrOf(8, 3)], ['PLTE', plte], ['IDAT', deflateSync(rows)]]);
    assert.throws(() => decode(png, 'red.png'), {
      name: 'DataError',
      message: `red.png has a colour palette (the pixel at row 2, column 3 is RGB 200,10,10), expected greyscale. ${FIX}`,
    });
  });

  it('refuses a palette image without its PLTE chunk', () => {
    const png = pngOfChunks([['IHDR', ihdrOf(8, 3)], ['IDAT', deflateSync(Buffer.alloc(28 * 29))]]);
    assert.throws(() => decode(png, 'p.png'), { name: 'DataError', message: `Cannot decode p.png: it has colour type 3 (palette) but no PLTE chunk. ${FIX}` });
  });

  it('still refuses true colour', async () => {
    const png = await sharp(Buffer.alloc(784 * 3, 9), { raw: { width: 28, height: 28, channels: 3 } }).png().toBuffer();
    assert.throws(() => decode(png, 'rgb.png'), { name: 'DataError', message: `rgb.png has 3 channels (RGB), expected 1 channel (greyscale). ${FIX}` });
  });
});

describe('decodeGreyPng: hostile input (issue 16)', () => {
  const rows = Buffer.alloc(28 * 29);
  /** `rows` (all-black scanlines) under the given header, image data deflated. */
  const pngWith = (ihdr: Uint8Array, data: Uint8Array = deflateSync(rows)) => pngOfChunks([['IHDR', ihdr], ['IDAT', data]]);

  it('a zlib bomb (256 MB of zeros under a 28x28 header) is refused after inflating no more than the header allows', async () => {
    const bomb = await deflatedZeros(256);
    for (const [ihdr, allowed] of [[ihdrOf(8, 0), 812], [ihdrOf(8, 0, 1), 837], [ihdrOf(16, 4, 1), 3189], [ihdrOf(1, 0), 140]] as const) {
      const started = performance.now();
      assert.throws(() => decode(pngWith(ihdr, bomb), 'bomb.png'), {
        name: 'DataError',
        message: `Cannot decode bomb.png: its image data inflates to more than the ${allowed} bytes its 28x28 header allows (a zlib bomb?). ${FIX}`,
      });
      const ms = performance.now() - started;
      assert.ok(ms < 200, `${ms.toFixed(0)} ms: inflating all 256 MB takes seconds`);
    }
  });

  it('an IHDR cut short is a DataError naming the file, not a RangeError', () => {
    const signatureAndEmptyIhdr = pngOfChunks([['IHDR', new Uint8Array(0)]]).subarray(0, 20);
    assert.throws(() => decode(signatureAndEmptyIhdr, 'short.png'), {
      name: 'DataError',
      message: `Cannot decode short.png: its IHDR chunk is 0 bytes, expected 13. ${FIX}`,
    });
    const fiveBytes = pngOfChunks([['IHDR', ihdrOf(8, 0).subarray(0, 5)], ['IDAT', deflateSync(rows)]]);
    assert.throws(() => decode(fiveBytes, 'short.png'), {
      name: 'DataError',
      message: `Cannot decode short.png: its IHDR chunk is 5 bytes, expected 13. ${FIX}`,
    });
  });

  it('refuses compression and filter methods other than 0, as libpng does', () => {
    const withByte = (at: number, value: number) => Object.assign(ihdrOf(8, 0), { [at]: value });
    assert.throws(() => decode(pngWith(withByte(10, 1)), 'c.png'), {
      name: 'DataError',
      message: `Cannot decode c.png: its IHDR gives compression method 1, not 0 (deflate). ${FIX}`,
    });
    assert.throws(() => decode(pngWith(withByte(11, 64)), 'f.png'), {
      name: 'DataError',
      message: `Cannot decode f.png: its IHDR gives filter method 64, not 0 (adaptive). ${FIX}`,
    });
    assert.throws(() => decode(pngWith(withByte(12, 2)), 'i.png'), {
      name: 'DataError',
      message: `Cannot decode i.png: its IHDR gives interlace method 2, not 0 (none) or 1 (Adam7). ${FIX}`,
    });
  });

  it('refuses a bit depth PNG does not allow for the colour type', () => {
    assert.throws(() => decode(pngWith(ihdrOf(16, 3)), 'd.png'), {
      name: 'DataError',
      message: `Cannot decode d.png: its IHDR gives bit depth 16 for colour type 3, which PNG does not allow. ${FIX}`,
    });
  });

  it('refuses a second IHDR (it would change the size the bound was checked for)', () => {
    const png = pngOfChunks([['IHDR', ihdrOf(8, 0)], ['IHDR', ihdrOf(8, 0, 1, 10_000)], ['IDAT', deflateSync(rows)]]);
    assert.throws(() => decode(png, 'two.png'), { name: 'DataError', message: `Cannot decode two.png: it has a second IHDR chunk. ${FIX}` });
  });

  it('names image data shorter than the header needs', () => {
    assert.throws(() => decode(pngWith(ihdrOf(8, 0), deflateSync(rows.subarray(0, 500))), 's.png'), {
      name: 'DataError',
      message: `Cannot decode s.png: its image data holds 500 bytes, expected 812. ${FIX}`,
    });
  });
});
