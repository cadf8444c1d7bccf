import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { darkPixels, decodePng, syntheticImage } from '../../fixtures/index.js';
import { GRID_MARGIN_PX, renderImageGrid } from '../../src/plots/imageGrid.js';

const m = GRID_MARGIN_PX;

describe('renderImageGrid', () => {
  it('lays out 15 images as 3 rows of 5 with titles above: 620 x 439 at scale 4', async () => {
    const images = Array.from({ length: 15 }, (_, i) => ({ pixels: syntheticImage(i), title: `${i % 10} : x` }));
    const img = await decodePng(await renderImageGrid(images, { columns: 5, scale: 4 }));
    // width 2m + 5*112 + 4m; height 2m + 3*(21 title + 112) + 2m
    assert.deepEqual([img.width, img.height], [620, 439]);
  });

  it('scales pixels up with nearest neighbour: each source pixel is a crisp 3x3 block', async () => {
    const pixels = syntheticImage(5);
    const img = await decodePng(await renderImageGrid([{ pixels, title: 'x' }], { scale: 3, fontSizePx: 10 }));
    const top = m + 15; // title height: round(1.5 * 10)
    let worst = 0;
    for (let y = 0; y < 84; y++) {
      for (let x = 0; x < 84; x++) {
        const expected = pixels[Math.floor(y / 3) * 28 + Math.floor(x / 3)];
        worst = Math.max(worst, Math.abs(img.grey[(top + y) * img.width + m + x] - expected));
      }
    }
    assert.ok(worst <= 1, `largest difference from the source pixel: ${worst}`);
  });

  it('draws each title as text above its image, and nothing there when the title is empty', async () => {
    const pixels = new Uint8Array(784).fill(255); // white image: only the title can leave ink
    const titled = await decodePng(await renderImageGrid([{ pixels, title: '6 : Shirt' }], { scale: 4 }));
    const untitled = await decodePng(await renderImageGrid([{ pixels, title: '' }], { scale: 4 }));
    const band = { x0: 0, x1: titled.width, y0: 0, y1: m + 21 };
    assert.ok(darkPixels(titled, band) > 40, `title ink ${darkPixels(titled, band)}`);
    assert.equal(darkPixels(untitled, band), 0);
  });

  it('renders titles with XML special characters literally', async () => {
    const pixels = new Uint8Array(784).fill(255);
    const img = await decodePng(await renderImageGrid([{ pixels, title: '<a & b>' }], { scale: 4 }));
    assert.ok(darkPixels(img, { x0: 0, x1: img.width, y0: 0, y1: m + 21 }) > 40);
  });

  it('rejects an image whose pixel count is not 28 x 28', async () => {
    await assert.rejects(renderImageGrid([{ pixels: new Uint8Array(700), title: '6 : Shirt' }]), {
      name: 'ConfigError',
      message: 'Expected 784 values for the pixels of image 0 ("6 : Shirt") but received 700.',
    });
  });

  it('rejects an empty list of images', async () => {
    await assert.rejects(renderImageGrid([]), {
      name: 'ConfigError',
      message: 'Expected at least one image for images but received 0.',
    });
  });
});
