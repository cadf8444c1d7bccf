import type { PipelineConfig } from '../../config.js';
import { PIXELS_PER_IMAGE, studyChecks } from '../../dataset.js';
import { CacheError } from '../../errors.js';
import { artifactPaths, dataPaths, type ArtifactPaths } from '../../io/paths.js';
import { readCacheFiles, readCacheManifest, writePixelCache, type PixelCache } from '../../io/pixelCache.js';
import { createProgress } from '../../progress.js';
import type { Stage, StageContext } from '../../stage.js';
import { createDecodePool, decodeImages } from './decodeImages.js';
import { sourceKey } from './sourceKey.js';
import { readLoadSources } from './sources.js';

/** Checks the layout, decodes every image and writes the pixel cache; nothing is written on failure. */
async function buildCache(config: PipelineConfig, ctx: StageContext, key: string): Promise<PixelCache> {
  const pool = createDecodePool(config.workers); // its threads boot while the CSVs are checked
  try {
    const sources = await readLoadSources(dataPaths(config.dataDir));
    const paths = [...sources.train.paths, ...sources.test.paths];
    const progress = createProgress('decode', paths.length);
    const started = performance.now();
    const pixels = await decodeImages(paths, pool, { progress, signal: ctx.signal });
    progress.done(`${Math.round(paths.length / ((performance.now() - started) / 1000))} images/s`);
    const split = sources.train.paths.length * PIXELS_PER_IMAGE;
    const cache: PixelCache = {
      train: { count: sources.train.paths.length, pixels: pixels.subarray(0, split), labels: sources.train.labels, ids: sources.train.ids },
      test: { count: sources.test.paths.length, pixels: pixels.subarray(split), labels: sources.test.labels, ids: sources.test.ids },
    };
    const artifacts = artifactPaths(config.artifactsDir);
    await writePixelCache(artifacts, cache, key);
    ctx.log(`decoded ${paths.length} images into ${artifacts.cacheDir}${sources.testLabelsKnown ? '' : ' (no test_labels.csv: test labels unknown)'}`);
    return cache;
  } catch (err) {
    throw ctx.signal.aborted ? ctx.signal.reason : err;
  } finally {
    await pool.destroy();
  }
}

/**
 * The cache on disk when it was built from the sources with `key` and every file still matches
 * its manifest; undefined otherwise (after a line saying why, when it is damaged).
 */
async function reusableCache(artifacts: ArtifactPaths, key: string, ctx: StageContext): Promise<PixelCache | undefined> {
  try {
    const manifest = await readCacheManifest(artifacts);
    return manifest?.sourceKey === key ? await readCacheFiles(artifacts, manifest) : undefined;
  } catch (err) {
    if (!(err instanceof CacheError)) throw err;
    ctx.warn(`pixel cache ${artifacts.cacheDir}: ${err.reason}; rebuilding`);
    return undefined;
  }
}

/** Reuses the pixel cache when it matches the layout, else rebuilds it; prints the study's checks. */
async function runLoad(config: PipelineConfig, ctx: StageContext): Promise<void> {
  const artifacts = artifactPaths(config.artifactsDir);
  const key = await sourceKey(dataPaths(config.dataDir));
  let cache = await reusableCache(artifacts, key, ctx);
  if (cache) ctx.log(`pixel cache ${artifacts.cacheDir} matches ${config.dataDir}: reused`);
  else cache = await buildCache(config, ctx, key);
  for (const line of studyChecks(cache)) ctx.log(line);
}

/** `load`: every PNG decoded once into the uint8 pixel cache that later stages read. */
export const load: Stage = {
  name: 'load',
  inputs: (config) => {
    const p = dataPaths(config.dataDir);
    return [p.trainCsv, p.testSampleCsv, p.trainImages, p.testImages].map((path) => ({ path, producer: 'prepare' }));
  },
  outputs: (config) => [artifactPaths(config.artifactsDir).cacheDir],
  run: runLoad,
};
