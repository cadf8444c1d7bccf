import { classCountTable, IMAGE_SIZE_PX } from '../dataset.js';
import { artifactPaths } from '../io/paths.js';
import { readPixelCache } from '../io/pixelCache.js';
import { writeSplit } from '../io/split.js';
import { stratifiedSplit } from '../learn/stratifiedSplit.js';
import type { Stage } from '../stage.js';

/** The study holds out 20% of the training images for validation. */
export const VALID_FRACTION = 0.2;

/** Stratified 80/20 train/valid split of the training images (row indexes into the pixel cache). */
export const split: Stage = {
  name: 'split',
  inputs: (c) => [{ path: artifactPaths(c.artifactsDir).cacheManifest, producer: 'load' }],
  outputs: (c) => [artifactPaths(c.artifactsDir).root],
  async run(c, ctx) {
    const paths = artifactPaths(c.artifactsDir);
    const { train: images } = await readPixelCache(paths);
    const { train, valid } = stratifiedSplit(images.labels, { validFraction: VALID_FRACTION, seed: c.seed });
    await writeSplit(paths.split, { seed: c.seed, validFraction: VALID_FRACTION, train, valid });
    // the shapes of X_train, X_valid, y_train, y_valid, printed as the study prints them
    const img = `${IMAGE_SIZE_PX}, ${IMAGE_SIZE_PX}`;
    ctx.log(`(${train.length}, ${img}) (${valid.length}, ${img}) (${train.length},) (${valid.length},)`);
    for (const line of classCountTable(train, valid, images.labels)) ctx.log(line);
    ctx.log(`  -> ${paths.split} (seed ${c.seed})`);
  },
};
