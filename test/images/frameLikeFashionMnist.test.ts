import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { predictBootLightBgPng, predictTrouser84Jpg } from '../../fixtures/index.js';
import { frameDecodedImage, frameLikeFashionMnist, shrinkInside, toGrey, WORK_SIZE_PX } from '../../src/images/frameLikeFashionMnist.js';
import { normalizeImageFile } from '../../src/workers/normalizeImage.worker.js';

describe('frameDecodedImage: the framing that the CLI and the browser page share', () => {
  it('shrinkInside leaves an image that fits as it is, and area-averages a larger one', () => {
    const small = new Uint8Array(112 * 50).fill(7);
    assert.equal(shrinkInside(small, 112, 50, WORK_SIZE_PX).pixels, small);
    // 224 x 4, columns alternating 0 and 200, rows alike: each output pixel averages a 2x2 block
    const wide = Uint8Array.from({ length: 224 * 4 }, (_, i) => (i % 2 === 0 ? 0 : 200));
    const out = shrinkInside(wide, 224, 4, WORK_SIZE_PX);
    assert.deepEqual([out.width, out.height], [112, 2]);
    assert.deepEqual([...new Set(out.pixels)], [100]);
  });

  it('is grey, then shrink, then frame', () => {
    const rgba = Uint8Array.from({ length: 300 * 200 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 7919) % 256));
    const grey = toGrey(rgba, 300, 200, 4);
    const work = shrinkInside(grey, 300, 200, WORK_SIZE_PX);
    assert.deepEqual([work.width, work.height], [112, 75]);
    assert.deepEqual(frameDecodedImage(rgba, 300, 200, 4), frameLikeFashionMnist(work.pixels, work.width, work.height));
  });

  it('is what the CLI worker runs on the pixels sharp decodes, photos included', async () => {
    for (const file of [predictBootLightBgPng, predictTrouser84Jpg]) {
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual(await normalizeImageFile(file, 1e6), frameDecodedImage(new Uint8Array(data), info.width, info.height, info.channels), file);
    }
  });
});
