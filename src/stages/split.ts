import { CLASS_NAMES, IMAGE_SIZE_PX } from '../dataset.js';
import { artifactPaths } from '../io/paths.js';
import { readPixelCache } from '../io/pixelCache.js';
import { writeSplit } from '../io/split.js';
import { stratifiedSplit } from '../learn/stratifiedSplit.js';
import type { Stage } from '../stage.js';

/** The study holds out 20% of the training images for validation. */
export const VALID_FRACTION = 0.2;

/** Per-class counts of `rows`, by label. */
function classCounts(rows: number[], labels: Uint8Array): number[] {
  const counts = new Array<number>(CLASS_NAMES.length).fill(0);
  for (const r of rows) counts[labels[r]] += 1;
  return counts;
}

/** Lines of a table: label, name, count in train, count in valid. */
export function classCountTable(train: number[], valid: number[], labels: Uint8Array): string[] {
  const t = classCounts(train, labels);
  const v = classCounts(valid, labels);
  const width = Math.max(...CLASS_NAMES.map((n) => n.length));
  return [
    `class ${'name'.padEnd(width)}  train  valid`,
    ...CLASS_NAMES.map((name, k) => `${String(k).padStart(5)} ${name.padEnd(width)}  ${String(t[k]).padStart(5)}  ${String(v[k]).padStart(5)}`),
  ];
}

/** Stratified 80/20 train/valid split of the training images (row indexes into the pixel cache). */
export const split: Stage = {
  name: 'split',
  inputs: (c) => [{ path: artifactPaths(c.artifactsDir).cacheManifest, producer: 'load' }],
  outputs: (c) => [artifactPaths(c.artifactsDir).split],
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
