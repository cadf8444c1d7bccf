import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { artifactPaths, type ArtifactPaths } from '../../src/io/paths.js';
import { readCacheManifest, readPixelCache, writePixelCache, type PixelCache } from '../../src/io/pixelCache.js';
import { sha256 } from '../../src/io/sha256.js';

const set = (count: number, seed: number) => ({
  count,
  pixels: Uint8Array.from({ length: count * PIXELS_PER_IMAGE }, (_, i) => (i * seed) % 256),
  labels: Uint8Array.from({ length: count }, (_, i) => (i + seed) % 10),
  ids: Int32Array.from({ length: count }, (_, i) => 1000 + i),
});
const CACHE: PixelCache = { train: set(6, 7), test: set(3, 11) };

let root: string;
/** an artifacts folder holding CACHE, copied for each test that changes it */
let whole: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pixel-cache-'));
  whole = join(root, 'whole');
  await writePixelCache(artifactPaths(whole), CACHE, 'key');
});
after(() => rm(root, { recursive: true, force: true }));

let copies = 0;
async function copy(): Promise<ArtifactPaths> {
  copies += 1;
  const dir = join(root, `copy${copies}`);
  await cp(whole, dir, { recursive: true });
  return artifactPaths(dir);
}

/** The message of the CacheError for `reason` in `paths`. */
const cacheError = (paths: ArtifactPaths, reason: string) => ({
  name: 'CacheError',
  message: `The pixel cache at ${paths.cacheDir} is not usable: ${reason}. Run \`npm start -- --stage load\` to rebuild it.`,
});

describe('pixel cache (issue 16)', () => {
  it('reads back what it wrote; the manifest records each file\'s size and sha256', async () => {
    const paths = artifactPaths(whole);
    assert.deepEqual(await readPixelCache(paths), CACHE);
    const manifest = (await readCacheManifest(paths))!;
    assert.deepEqual(manifest.files['train-images.u8'], { bytes: 6 * PIXELS_PER_IMAGE, sha256: sha256(CACHE.train.pixels) });
    assert.deepEqual(manifest.files['test-ids.i32'], { bytes: 12, sha256: sha256(await readFile(paths.testIds)) });
    assert.deepEqual(Object.keys(manifest.files).sort(), ['test-ids.i32', 'test-images.u8', 'test-labels.u8', 'train-ids.i32', 'train-images.u8', 'train-labels.u8']);
  });

  it('refuses a file whose bytes changed but not its size', async () => {
    const paths = await copy();
    const labels = await readFile(paths.testLabels);
    labels[0] = (labels[0]! + 1) % 10;
    await writeFile(paths.testLabels, labels);
    await assert.rejects(readPixelCache(paths), cacheError(paths, 'test-labels.u8 does not match the sha256 in manifest.json (changed since load wrote it)'));
  });

  it('refuses a file of another size without reading it, and a missing file', async () => {
    const paths = await copy();
    await truncate(paths.trainPixels, 3 * 2 ** 30); // sparse: 3 GiB that take no disk
    await assert.rejects(readPixelCache(paths), cacheError(paths, `train-images.u8 holds ${3 * 2 ** 30} bytes, manifest.json records ${6 * PIXELS_PER_IMAGE}`));
    await rm(paths.trainPixels);
    await assert.rejects(readPixelCache(paths), cacheError(paths, 'train-images.u8 is missing'));
  });

  it('refuses a manifest of the version before content hashes, and one that is not a manifest', async () => {
    const paths = await copy();
    await writeFile(paths.cacheManifest, JSON.stringify({ version: 1, sourceKey: 'key', trainCount: 6, testCount: 3, testLabelsKnown: true }));
    await assert.rejects(readPixelCache(paths), cacheError(paths, 'manifest.json has version 1, not 2 (another version of the pipeline wrote it)'));
    const manifest = JSON.parse(await readFile(join(whole, 'cache', 'manifest.json'), 'utf8'));
    await writeFile(paths.cacheManifest, JSON.stringify({ ...manifest, trainCount: 7 }));
    await assert.rejects(readPixelCache(paths), cacheError(paths, `manifest.json has no record of ${7 * PIXELS_PER_IMAGE} bytes with a sha256 for train-images.u8`));
    await writeFile(paths.cacheManifest, '{"version": 2,');
    await assert.rejects(readPixelCache(paths), { name: 'CacheError', message: /manifest\.json is not JSON \(.+\)\. Run `npm start -- --stage load` to rebuild it\.$/ });
    await truncate(paths.cacheManifest, 2 ** 30);
    await assert.rejects(readPixelCache(paths), cacheError(paths, 'manifest.json is larger than 65536 bytes, too large to be a manifest'));
  });

  it('says to run load when there is no manifest (an interrupted write removed it)', async () => {
    const paths = await copy();
    await rm(paths.cacheManifest);
    assert.equal(await readCacheManifest(paths), undefined);
    await assert.rejects(readPixelCache(paths), {
      name: 'PipelineError',
      message: `No pixel cache at ${paths.cacheDir}. Run \`npm start -- --stage load\` first, or use --stage all.`,
    });
  });
});
