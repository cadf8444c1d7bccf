import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, toArray } from 'rxjs';
import { augmentImages, shiftAndFlip } from '../../src/operators/augmentImages.js';
import { createRng } from '../../src/random.js';

// a 4x4 image whose pixel (x, y) holds 1 + 4y + x
const image = Float32Array.from({ length: 16 }, (_, i) => i + 1);
const grid = (a: Float32Array) => Array.from({ length: 4 }, (_, y) => Array.from(a.subarray(4 * y, 4 * y + 4)));

describe('shiftAndFlip', () => {
  it('moves the image, the uncovered edge zero (pad and crop)', () => {
    assert.deepEqual(grid(shiftAndFlip(image, 4, 1, 0, false)), [[2, 3, 4, 0], [6, 7, 8, 0], [10, 11, 12, 0], [14, 15, 16, 0]]);
    assert.deepEqual(grid(shiftAndFlip(image, 4, 0, -2, false)), [[0, 0, 0, 0], [0, 0, 0, 0], [1, 2, 3, 4], [5, 6, 7, 8]]);
    assert.deepEqual(Array.from(shiftAndFlip(image, 4, 0, 0, false)), Array.from(image));
  });

  it('mirrors left to right, and shifts the mirrored image', () => {
    assert.deepEqual(grid(shiftAndFlip(image, 4, 0, 0, true)), [[4, 3, 2, 1], [8, 7, 6, 5], [12, 11, 10, 9], [16, 15, 14, 13]]);
    assert.deepEqual(grid(shiftAndFlip(image, 4, 1, 1, true))[0], [7, 6, 5, 0]);
  });
});

describe('augmentImages', () => {
  const items = Array.from({ length: 200 }, (_, i) => ({ pixels: image, label: i % 10 }));
  const run = (seed: number, options = { shift: 1, flip: true }) =>
    lastValueFrom(from(items).pipe(augmentImages(options, 4, createRng(seed)), toArray()));

  it('gives the same images for the same seed, others for another, labels kept', async () => {
    const [a, b, c] = await Promise.all([run(5), run(5), run(6)]);
    assert.deepEqual(a.map((x) => Array.from(x.pixels)), b.map((x) => Array.from(x.pixels)));
    assert.notDeepEqual(a.map((x) => Array.from(x.pixels)), c.map((x) => Array.from(x.pixels)));
    assert.deepEqual(a.map((x) => x.label), items.map((x) => x.label));
  });

  it('draws every shift in [-shift, shift], flipped and not, and nothing else', async () => {
    const out = await run(7);
    const seen = new Set<string>();
    for (const { pixels } of out) {
      const match = [-1, 0, 1].flatMap((dx) => [-1, 0, 1].flatMap((dy) => [false, true].map((flip) => ({ dx, dy, flip }))))
        .filter(({ dx, dy, flip }) => Array.from(shiftAndFlip(image, 4, dx, dy, flip)).join() === Array.from(pixels).join());
      assert.ok(match.length > 0, 'each image is the input shifted and maybe flipped');
      seen.add(`${match[0]!.dx},${match[0]!.dy},${match[0]!.flip}`);
    }
    assert.equal(seen.size, 18, 'all 9 shifts, flipped and not');
  });

  it('passes images through unchanged with no shift and no flip, and refuses a shift as wide as the image', async () => {
    const out = await run(7, { shift: 0, flip: false });
    assert.ok(out.every((x) => Array.from(x.pixels).join() === Array.from(image).join()));
    assert.throws(() => augmentImages({ shift: 4, flip: false }, 4, createRng(1)), { message: 'Expected an integer in [0, 3] for augment shift but received 4.' });
  });
});
