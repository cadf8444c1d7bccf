import { readFile } from 'node:fs/promises';
import { PIXELS_PER_IMAGE } from '../dataset.js';
import { PipelineError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from './atomicWrite.js';
import type { ArtifactPaths } from './paths.js';

/** One decoded image set: row-major uint8 pixels (count x 784), labels and ids by row. */
export interface ImageSet {
  count: number;
  pixels: Uint8Array;
  /** 0..9, or UNKNOWN_LABEL where the label is not known (test set without test_labels.csv) */
  labels: Uint8Array;
  ids: Int32Array;
}

export const UNKNOWN_LABEL = 255;

export interface PixelCache {
  train: ImageSet;
  test: ImageSet;
}

/** manifest.json: what the cache was built from; written last, so it marks a whole cache. */
export interface CacheManifest {
  version: 1;
  /** opaque fingerprint of the sources (CSV contents, image folder listing with sizes/mtimes) */
  sourceKey: string;
  trainCount: number;
  testCount: number;
  testLabelsKnown: boolean;
}

/**
 * Writes the cache files atomically, the manifest last. An older cache stays valid until the
 * new manifest replaces it; a crash in between leaves a manifest that no longer matches its
 * files' sizes, which `readPixelCache` rejects.
 */
export async function writePixelCache(paths: ArtifactPaths, cache: PixelCache, sourceKey: string): Promise<void> {
  await writeFileAtomic(paths.trainPixels, cache.train.pixels);
  await writeFileAtomic(paths.trainLabels, cache.train.labels);
  await writeFileAtomic(paths.trainIds, new Uint8Array(cache.train.ids.buffer, cache.train.ids.byteOffset, cache.train.ids.byteLength));
  await writeFileAtomic(paths.testPixels, cache.test.pixels);
  await writeFileAtomic(paths.testLabels, cache.test.labels);
  await writeFileAtomic(paths.testIds, new Uint8Array(cache.test.ids.buffer, cache.test.ids.byteOffset, cache.test.ids.byteLength));
  const manifest: CacheManifest = {
    version: 1,
    sourceKey,
    trainCount: cache.train.count,
    testCount: cache.test.count,
    testLabelsKnown: !cache.test.labels.includes(UNKNOWN_LABEL),
  };
  await writeJsonAtomic(paths.cacheManifest, manifest);
}

/** Reads the manifest, or undefined when there is none (no cache yet). */
export async function readCacheManifest(paths: ArtifactPaths): Promise<CacheManifest | undefined> {
  try {
    return JSON.parse(await readFile(paths.cacheManifest, 'utf8')) as CacheManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readSet(pixels: string, labels: string, ids: string, count: number): Promise<ImageSet> {
  const [p, l, i] = await Promise.all([readFile(pixels), readFile(labels), readFile(ids)]);
  if (p.byteLength !== count * PIXELS_PER_IMAGE || l.byteLength !== count || i.byteLength !== count * 4) {
    throw new PipelineError(
      `The pixel cache at ${pixels} does not match its manifest (expected ${count} images). ` +
        'Run `npm start -- --stage load` to rebuild it.',
    );
  }
  const idCopy = new Int32Array(count);
  new Uint8Array(idCopy.buffer).set(i);
  return { count, pixels: new Uint8Array(p.buffer, p.byteOffset, p.byteLength), labels: new Uint8Array(l.buffer, l.byteOffset, l.byteLength), ids: idCopy };
}

/** Reads the whole cache written by the `load` stage. */
export async function readPixelCache(paths: ArtifactPaths): Promise<PixelCache> {
  const manifest = await readCacheManifest(paths);
  if (!manifest) {
    throw new PipelineError(
      `No pixel cache at ${paths.cacheDir}. Run \`npm start -- --stage load\` first, or use --stage all.`,
    );
  }
  const [train, test] = await Promise.all([
    readSet(paths.trainPixels, paths.trainLabels, paths.trainIds, manifest.trainCount),
    readSet(paths.testPixels, paths.testLabels, paths.testIds, manifest.testCount),
  ]);
  return { train, test };
}
