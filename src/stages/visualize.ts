import { CLASS_NAMES, PIXELS_PER_IMAGE, SAMPLE_ID } from '../dataset.js';
import { DataError } from '../errors.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { artifactPaths, visualizeOutputs } from '../io/paths.js';
import { readPixelCache, type ImageSet } from '../io/pixelCache.js';
import { renderImageGrid, type GridImage } from '../plots/imageGrid.js';
import { formatPixelText } from '../plots/pixelText.js';
import { createRng, shuffleInPlace } from '../random.js';
import type { Stage } from '../stage.js';

/** The study looks at 15 random training images, 3 rows of 5. */
export const SAMPLE_COUNT = 15;
const SAMPLE_COLUMNS = 5;
/** The study's title for an image: `label : name`, e.g. `6 : Shirt`. */
export function labelTitle(label: number): string {
  const name = CLASS_NAMES[label];
  if (name === undefined) {
    throw new DataError(`Label ${label} is not a Fashion-MNIST class (0..9). Run \`npm start -- --stage load\` to rebuild the pixel cache.`);
  }
  return `${label} : ${name}`;
}

/** Row `row` of `set` as a titled grid image. */
function gridImage(set: ImageSet, row: number): GridImage {
  return { pixels: set.pixels.subarray(row * PIXELS_PER_IMAGE, (row + 1) * PIXELS_PER_IMAGE), title: labelTitle(set.labels[row]) };
}

/** Rows of `count` distinct random training images: the first `count` of a seeded shuffle. */
export function sampleRows(total: number, count: number, seed: number): number[] {
  const rows = shuffleInPlace(Array.from({ length: total }, (_, i) => i), createRng(seed));
  return rows.slice(0, Math.min(count, total));
}

/** The row of image id `id` in the train set; a clear error when the cache lacks it. */
function rowOfId(train: ImageSet, id: number): number {
  const row = train.ids.indexOf(id);
  if (row === -1) {
    throw new DataError(
      `Image id ${id} (the study's enlarged sample) is not among the ${train.count} training images in the pixel cache. ` +
        'Use the full Fashion-MNIST training set (ids 0..59999), then run `npm start -- --stage load`.',
    );
  }
  return row;
}

/** Looks at the data: a grid of random training images, and image 8703 enlarged and printed. */
export const visualize: Stage = {
  name: 'visualize',
  inputs: (c) => [{ path: artifactPaths(c.artifactsDir).cacheManifest, producer: 'load' }],
  outputs: (c) => [artifactPaths(c.artifactsDir).figures],
  async run(c, ctx) {
    const out = visualizeOutputs(c.artifactsDir);
    const { train } = await readPixelCache(artifactPaths(c.artifactsDir));
    const sample = gridImage(train, rowOfId(train, SAMPLE_ID)); // fail before writing anything

    const rows = sampleRows(train.count, SAMPLE_COUNT, c.seed);
    const grid = await renderImageGrid(rows.map((r) => gridImage(train, r)), { columns: SAMPLE_COLUMNS, scale: 5 });
    await writeFileAtomic(out.samples, grid);
    ctx.log(`${rows.length} random training images (seed ${c.seed}), ids ${rows.map((r) => train.ids[r]).join(', ')}`);
    ctx.log(`  -> ${out.samples}`);

    await writeFileAtomic(out.sampleImage, await renderImageGrid([sample], { scale: 12, fontSizePx: 20 }));
    const text = formatPixelText(sample.pixels);
    await writeFileAtomic(out.sampleText, `${text}\n`);
    ctx.log(`image ${SAMPLE_ID}: ${sample.title}`);
    ctx.log(`  -> ${out.sampleImage}`);
    ctx.log(`its 28x28 pixel values (0..255), also in ${out.sampleText}:`);
    for (const line of text.split('\n')) ctx.log(line);
  },
};
