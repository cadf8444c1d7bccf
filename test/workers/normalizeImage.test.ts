import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { Piscina } from 'piscina';
import sharp from 'sharp';
import {
  predictBoot28Png,
  predictBootLightBgPng,
  predictFixtureDir,
  predictImageBomb,
  predictNotAnImage,
  predictPullover28Webp,
  predictTrouser84Jpg,
} from '../../fixtures/index.js';
import { deflatedZeros, ihdrOf, pngOfChunks } from '../../fixtures/pngEncodings.js';
import { frameLikeFashionMnist, hasLightBorder, resampleArea, toGrey } from '../../src/images/frameLikeFashionMnist.js';
import { MAX_INPUT_PIXELS, MAX_WHOLE_DECODE_BYTES, normalizeImageFile } from '../../src/workers/normalizeImage.worker.js';

const MAX_BYTES = 1_000_000;
const greyOf = async (path: string) => new Uint8Array(await sharp(path).greyscale().raw().toBuffer());
const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe('frameLikeFashionMnist', () => {
  it('keeps a 28x28 image on black exactly as it is', async () => {
    const boot = await greyOf(predictBoot28Png);
    assert.deepEqual(frameLikeFashionMnist(boot, 28, 28), boot);
  });

  it('negates an image whose border is mostly light', () => {
    const img = new Uint8Array(28 * 28).fill(250);
    img[14 * 28 + 14] = 10;
    assert.equal(hasLightBorder(img, 28, 28), true);
    const out = frameLikeFashionMnist(img, 28, 28);
    assert.equal(out[0], 5);
    assert.equal(out[14 * 28 + 14], 245);
  });

  it('fits the object box into 28x28 keeping its aspect ratio, centred on black', () => {
    // a 20x10 white bar on a 100x50 black image becomes 28x14, rows 7..20
    const img = new Uint8Array(100 * 50);
    for (let y = 20; y < 30; y++) img.fill(255, y * 100 + 40, y * 100 + 60);
    const out = frameLikeFashionMnist(img, 100, 50);
    const rowSums = Array.from({ length: 28 }, (_, y) => out.subarray(y * 28, y * 28 + 28).reduce((s, v) => s + v, 0));
    assert.deepEqual(rowSums.map((s) => (s > 0 ? 1 : 0)), [...Array(7).fill(0), ...Array(14).fill(1), ...Array(7).fill(0)]);
    assert.equal(out[14 * 28], 255);
  });

  it('gives an all-black image when there is only background', () => {
    assert.deepEqual(frameLikeFashionMnist(new Uint8Array(40 * 40).fill(255), 40, 40), new Uint8Array(784));
  });
});

describe('toGrey and resampleArea', () => {
  it('composites alpha onto white and converts colour with Rec. 601 weights', () => {
    assert.deepEqual(toGrey(Uint8Array.from([255, 0, 0, 255, 0, 0, 0, 0]), 2, 1, 4), Uint8Array.from([76, 255]));
  });

  it('averages areas when shrinking', () => {
    assert.deepEqual(resampleArea(Float32Array.from([0, 4, 8, 12]), 4, 1, 2, 1), Float32Array.from([2, 10]));
  });
});

describe('normalizeImage worker', () => {
  it('returns a 28x28 PNG of the dataset unchanged', async () => {
    assert.deepEqual(await normalizeImageFile(predictBoot28Png, MAX_BYTES), await greyOf(predictBoot28Png));
  });

  it('reads WebP and JPEG', async () => {
    assert.deepEqual(await normalizeImageFile(predictPullover28Webp, MAX_BYTES), await greyOf(predictPullover28Webp));
    const trouser = await normalizeImageFile(predictTrouser84Jpg, MAX_BYTES);
    assert.equal(trouser.length, 784);
    assert.equal(trouser[0], 0);
  });

  it('inverts and re-frames a large colour image with a light background close to the original', async () => {
    const out = await normalizeImageFile(predictBootLightBgPng, MAX_BYTES);
    const diff = meanAbsDiff(out, await greyOf(predictBoot28Png));
    assert.ok(diff < 20, `mean absolute difference ${diff.toFixed(1)} grey levels`);
  });

  it('names a missing file', async () => {
    await assert.rejects(normalizeImageFile('no/such.png', MAX_BYTES), {
      message: `no/such.png: no such file (relative paths start at ${process.cwd()}).`,
    });
  });

  it('names a directory', async () => {
    await assert.rejects(normalizeImageFile(predictFixtureDir, MAX_BYTES), {
      message: `${predictFixtureDir}: is a directory, not an image. Pass image files, or a glob such as "${predictFixtureDir}/**/*.png".`,
    });
  });

  it('names a file that is not an image, with its first bytes', async () => {
    await assert.rejects(normalizeImageFile(predictNotAnImage, MAX_BYTES), {
      message: `${predictNotAnImage}: not an image sharp can read (file starts with 69 64 2C 63); expected PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG.`,
    });
  });

  it('refuses an image bomb by its header', async () => {
    await assert.rejects(normalizeImageFile(predictImageBomb, MAX_BYTES), {
      message: `${predictImageBomb}: 50000 x 50000 = 2500000000 pixels, over the limit of ${MAX_INPUT_PIXELS} (an image bomb?); not decoded. Shrink it first if it is a real image.`,
    });
  });

  it('reports a zlib bomb with the dataset\'s 28x28 grey header as an error, not framed by sharp (issue 16)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'normalize-bomb-'));
    try {
      const bomb = join(dir, 'bomb.png');
      await writeFile(bomb, pngOfChunks([['IHDR', ihdrOf(8, 0)], ['IDAT', await deflatedZeros(64)]]));
      await assert.rejects(normalizeImageFile(bomb, MAX_BYTES), {
        message: `${bomb}: cannot decode: its image data inflates to more than the 812 bytes its 28x28 header allows (a zlib bomb?). Export the image again, or leave it out.`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('works in a Piscina pool: pixels arrive as a Uint8Array and errors keep their message', async () => {
    const pool = new Piscina({
      filename: fileURLToPath(new URL('../../src/workers/normalizeImage.worker.js', import.meta.url)),
      maxThreads: 1,
    });
    try {
      const pixels = await pool.run({ path: predictBoot28Png, maxBytes: MAX_BYTES });
      assert.ok(pixels instanceof Uint8Array);
      assert.equal(pixels.length, 784);
      await assert.rejects(pool.run({ path: 'no/such.png', maxBytes: MAX_BYTES }), /^Error: no\/such.png: no such file/);
    } finally {
      await pool.destroy();
    }
  });
});

describe('normalizeImage worker: hostile inputs (issue 16)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'normalize-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('names an empty file (it said only "Input Buffer is empty")', async () => {
    const empty = join(dir, 'empty.png');
    await writeFile(empty, '');
    await assert.rejects(normalizeImageFile(empty, MAX_BYTES), { message: `${empty}: empty file (0 bytes), not an image.` });
  });

  it('opens a name that is not UTF-8 from its bytes', async () => {
    const name = Buffer.concat([Buffer.from(`${dir}/boot-`), Buffer.from([0xff]), Buffer.from('.png')]);
    await copyFile(predictBoot28Png, name);
    assert.deepEqual(await normalizeImageFile(new Uint8Array(name), MAX_BYTES), await greyOf(predictBoot28Png));
  });

  it('refuses by its header an interlaced PNG that would be decoded whole in 800 MB', async () => {
    // the image bomb's 128 bytes, its header made 10000 x 10000 16-bit RGBA, interlaced
    const png = Buffer.from(await readFile(predictImageBomb));
    png.writeUInt32BE(10_000, 16);
    png.writeUInt32BE(10_000, 20);
    png.set([16, 6, 0, 0, 1], 24); // bit depth, colour type RGBA, compression, filter, interlace
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    const path = join(dir, 'interlaced.png');
    await writeFile(path, png);
    await assert.rejects(normalizeImageFile(path, MAX_BYTES), {
      message:
        `${path}: a 10000 x 10000 interlaced PNG is decoded whole, in 800000000 bytes of memory, over the limit of ${MAX_WHOLE_DECODE_BYTES}; ` +
        'not decoded. Save it as a baseline JPEG or a non-interlaced PNG, or shrink it.',
    });
  });

  it('refuses by its header a progressive JPEG that would be decoded whole in 600 MB', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: 'red' } }).jpeg({ progressive: true }).toBuffer();
    const sof2 = jpeg.indexOf(Buffer.from([0xff, 0xc2])); // start of frame, progressive: height, then width
    jpeg.writeUInt16BE(10_000, sof2 + 5);
    jpeg.writeUInt16BE(10_000, sof2 + 7);
    const path = join(dir, 'progressive.jpg');
    await writeFile(path, jpeg);
    await assert.rejects(normalizeImageFile(path, MAX_BYTES), {
      message:
        `${path}: a 10000 x 10000 progressive JPEG is decoded whole, in 600000000 bytes of memory, over the limit of ${MAX_WHOLE_DECODE_BYTES}; ` +
        'not decoded. Save it as a baseline JPEG or a non-interlaced PNG, or shrink it.',
    });
  });
});
