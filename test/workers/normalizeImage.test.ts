import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
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
import { frameLikeFashionMnist, hasLightBorder, resampleArea, toGrey } from '../../src/images/frameLikeFashionMnist.js';
import { MAX_INPUT_PIXELS, normalizeImageFile } from '../../src/workers/normalizeImage.worker.js';

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

describe('normalizeImage worker: only regular files, bounded (issue 16)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'normalize-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses a FIFO at once, without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo.png');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    await assert.rejects(normalizeImageFile(fifo, MAX_BYTES), {
      message: `${fifo}: is a FIFO (named pipe), not an image file; only regular files are read.`,
    });
    assert.ok(performance.now() - started < 1000);
  });

  it('refuses a device such as /dev/zero at once', async () => {
    await assert.rejects(normalizeImageFile('/dev/zero', MAX_BYTES), {
      message: '/dev/zero: is a character device, not an image file; only regular files are read.',
    });
  });

  it('refuses a file over the size limit unread, and takes one exactly at it', async () => {
    const { size } = await stat(predictBootLightBgPng);
    await assert.rejects(normalizeImageFile(predictBootLightBgPng, size - 1), {
      message: `${predictBootLightBgPng}: ${size} bytes, over the limit of ${size - 1} bytes (--max-input-bytes); refused. Shrink the image, or raise the limit.`,
    });
    assert.equal((await normalizeImageFile(predictBootLightBgPng, size)).length, 784);
  });

  it('names an empty file (issue 16: "Input Buffer is empty")', async () => {
    const empty = join(dir, 'empty.png');
    await writeFile(empty, '');
    await assert.rejects(normalizeImageFile(empty, MAX_BYTES), { message: `${empty}: empty file (0 bytes), not an image.` });
  });

  it('opens a name that is not UTF-8 from its bytes, and shows it escaped', async () => {
    const name = Buffer.concat([Buffer.from(`${dir}/boot-`), Buffer.from([0xff]), Buffer.from('.png')]);
    await copyFile(predictBoot28Png, name);
    assert.deepEqual(await normalizeImageFile(new Uint8Array(name), MAX_BYTES), await greyOf(predictBoot28Png));
    const missing = Buffer.concat([Buffer.from(`${dir}/gone-`), Buffer.from([0xfe]), Buffer.from('.png')]);
    await assert.rejects(normalizeImageFile(new Uint8Array(missing), MAX_BYTES), {
      message: `${dir}/gone-\\xFE.png: no such file (relative paths start at ${process.cwd()}).`,
    });
  });

  it('escapes control characters of a name in its messages', async () => {
    await assert.rejects(normalizeImageFile(`${dir}/\x1b[2J\x1b]0;owned\x07.png`, MAX_BYTES), {
      message: `${dir}/\\x1B[2J\\x1B]0;owned\\x07.png: no such file (relative paths start at ${process.cwd()}).`,
    });
  });
});
