import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  data4x4Png,
  dataIdxDir,
  dataJpegNamedPng,
  dataLayoutDir,
  dataRgbaPng,
  dataTrainCsvDuplicateId,
  dataTrainCsvLabel12,
  dataTrainCsvNoClass,
  dataTrainLabels40,
  dataTruncatedPng,
} from '../../fixtures/data.js';
import { DEFAULTS } from '../../src/config.js';
import { parseIdxImages, readIdxBytes } from '../../src/io/idx.js';
import { artifactPaths } from '../../src/io/paths.js';
import { readCacheManifest, readPixelCache, UNKNOWN_LABEL } from '../../src/io/pixelCache.js';
import { createDecodePool, decodeImages } from '../../src/stages/load/decodeImages.js';
import { load } from '../../src/stages/load/index.js';
import { createStageContext } from '../../src/stage.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'load-test-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function runLoad(dataDir: string, artifactsDir: string): Promise<string[]> {
  const lines: string[] = [];
  await load.run({ ...DEFAULTS, dataDir, artifactsDir, workers: 1 }, createStageContext({ log: (l) => lines.push(l), signal: new AbortController().signal }));
  return lines;
}

let copies = 0;
/** A private copy of the fixture layout, safe to change. */
async function layoutCopy(): Promise<string> {
  copies += 1;
  const dir = join(root, `layout${copies}`);
  await cp(dataLayoutDir, dir, { recursive: true });
  return dir;
}

const idxPixels = async (file: string) => new Uint8Array(parseIdxImages(await readIdxBytes(join(dataIdxDir, file)), file).pixels);

describe('load', () => {
  it('decodes every image into the pixel cache and prints the study checks', async () => {
    const artifacts = join(root, 'artifacts-a');
    const lines = await runLoad(dataLayoutDir, artifacts);
    const paths = artifactPaths(artifacts);
    assert.deepEqual(lines, [`decoded 60 images into ${paths.cacheDir}`, '(40, 28, 28) (40,) (20, 28, 28)', '0.0 1.0']);
    const cache = await readPixelCache(paths);
    assert.deepEqual(cache.train.pixels, await idxPixels('train-images-idx3-ubyte.gz'));
    assert.deepEqual(cache.test.pixels, await idxPixels('t10k-images-idx3-ubyte.gz'));
    assert.deepEqual([...cache.train.labels], dataTrainLabels40);
    assert.deepEqual([...cache.train.ids], Array.from({ length: 40 }, (_, i) => i));
    assert.deepEqual([...cache.test.labels.subarray(0, 3)], [9, 2, 1]); // from test_labels.csv
    assert.equal((await readCacheManifest(paths))?.testLabelsKnown, true);
  });

  it('reuses the cache while the sources are unchanged and rebuilds it when they change', async () => {
    const dataDir = await layoutCopy();
    const artifacts = join(root, 'artifacts-b');
    const paths = artifactPaths(artifacts);
    await runLoad(dataDir, artifacts);
    assert.deepEqual(await runLoad(dataDir, artifacts), [
      `pixel cache ${paths.cacheDir} matches ${dataDir}: reused`,
      '(40, 28, 28) (40,) (20, 28, 28)',
      '0.0 1.0',
    ]);
    await rm(join(dataDir, 'test_labels.csv'));
    const lines = await runLoad(dataDir, artifacts);
    assert.equal(lines[0], `decoded 60 images into ${paths.cacheDir} (no test_labels.csv: test labels unknown)`);
    const cache = await readPixelCache(paths);
    assert.ok(cache.test.labels.every((l) => l === UNKNOWN_LABEL));
  });

  it('keeps rows in CSV order, not file-name order', async () => {
    const dataDir = await layoutCopy();
    const rows = (await readFile(join(dataDir, 'train.csv'), 'utf8')).trimEnd().split('\n');
    await writeFile(join(dataDir, 'train.csv'), [rows[0], ...rows.slice(1).reverse()].join('\n') + '\n');
    const artifacts = join(root, 'artifacts-c');
    await runLoad(dataDir, artifacts);
    const cache = await readPixelCache(artifactPaths(artifacts));
    const idx = await idxPixels('train-images-idx3-ubyte.gz');
    assert.equal(cache.train.ids[0], 39);
    assert.deepEqual([...cache.train.labels], [...dataTrainLabels40].reverse());
    assert.deepEqual(cache.train.pixels.subarray(0, 784), idx.subarray(39 * 784, 40 * 784));
  });
});

describe('decodeImages', () => {
  it('places chunks that finish out of order at their rows, with several workers', async () => {
    const paths = Array.from({ length: 40 }, (_, i) => join(dataLayoutDir, 'images', 'train', `${i}.png`));
    const ticks: number[] = [];
    const pool = createDecodePool(2);
    try {
      const pixels = await decodeImages(paths, pool, { chunkSize: 7, progress: { tick: (n = 1) => ticks.push(n) } });
      assert.deepEqual(pixels, await idxPixels('train-images-idx3-ubyte.gz'));
    } finally {
      await pool.destroy();
    }
    assert.deepEqual([...ticks].sort(), [5, 7, 7, 7, 7, 7]);
  });
});

describe('load with bad input', () => {
  const artifacts = join(tmpdir(), `load-bad-${process.pid}`);
  const cacheFiles = async () => {
    const dir = artifactPaths(artifacts).cacheDir;
    const names = (await readdir(dir)).sort();
    return Promise.all(names.map(async (name) => [name, await readFile(join(dir, name))] as const));
  };
  let goodCache: Awaited<ReturnType<typeof cacheFiles>>;
  before(async () => {
    await runLoad(dataLayoutDir, artifacts);
    goodCache = await cacheFiles();
  });
  after(() => rm(artifacts, { recursive: true, force: true }));

  /** Loads a changed copy of the layout: expects `message(dir)`, and the older cache untouched. */
  async function expectRejected(change: (dir: string) => Promise<void>, message: (dir: string) => string) {
    const dir = await layoutCopy();
    await change(dir);
    await assert.rejects(runLoad(dir, artifacts), { name: 'DataError', message: message(dir) });
    assert.deepEqual(await cacheFiles(), goodCache);
  }
  const train = (dir: string, id: number) => join(dir, 'images', 'train', `${id}.png`);
  const fix = 'Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.';

  it('a CSV id with no image', () =>
    expectRejected(
      (dir) => rm(train(dir, 39)),
      (dir) => `${join(dir, 'train.csv')} line 41: id 39 has no image ${train(dir, 39)}. Add the image or remove the row.`,
    ));

  it('an image with no CSV row', () =>
    expectRejected(
      (dir) => cp(train(dir, 0), train(dir, 40)),
      (dir) => `${train(dir, 40)} has no row in ${join(dir, 'train.csv')}. Add a row for it ("40,<class>") or remove the image.`,
    ));

  it('a JPEG named .png', () =>
    expectRejected(
      (dir) => cp(dataJpegNamedPng, train(dir, 3)),
      (dir) => `Cannot decode ${train(dir, 3)}: file starts with FFD8FFDB (JPEG?), not the PNG signature 89504E47. ${fix}`,
    ));

  it('a truncated PNG', () =>
    expectRejected(
      (dir) => cp(dataTruncatedPng, train(dir, 3)),
      (dir) => `Cannot decode ${train(dir, 3)}: the PNG is truncated (60 bytes, a chunk needs 572). ${fix}`,
    ));

  it('an image that is not 28x28', () =>
    expectRejected(
      (dir) => cp(data4x4Png, train(dir, 3)),
      (dir) => `${train(dir, 3)} is 4x4 pixels, expected 28x28. Resize it to 28x28, or remove it and its CSV row.`,
    ));

  it('an image with more than one channel (RGBA)', () =>
    expectRejected(
      (dir) => cp(dataRgbaPng, join(dir, 'images', 'test', '12.png')),
      (dir) => `${join(dir, 'images', 'test', '12.png')} has 4 channels (RGBA), expected 1 channel (greyscale). ${fix}`,
    ));

  it('a label outside 0..9', () =>
    expectRejected(
      (dir) => cp(dataTrainCsvLabel12, join(dir, 'train.csv')),
      (dir) => `${join(dir, 'train.csv')} line 7: class "12" is not a label 0..9. Fix or remove that row.`,
    ));

  it('a duplicate id', () =>
    expectRejected(
      (dir) => cp(dataTrainCsvDuplicateId, join(dir, 'train.csv')),
      (dir) => `${join(dir, 'train.csv')} line 11: id 7 appears again (first on line 9). Each id must appear once; remove the duplicate row.`,
    ));

  it('a CSV without the class column', () =>
    expectRejected(
      (dir) => cp(dataTrainCsvNoClass, join(dir, 'train.csv')),
      (dir) => `${join(dir, 'train.csv')} has no "class" column (header: id,label). The header must name the columns id,class.`,
    ));

  it('test_labels.csv without a row for a test id', () =>
    expectRejected(
      async (dir) => {
        const rows = (await readFile(join(dir, 'test_labels.csv'), 'utf8')).trimEnd().split('\n');
        await writeFile(join(dir, 'test_labels.csv'), rows.slice(0, -1).join('\n') + '\n');
      },
      (dir) =>
        `${join(dir, 'test_labels.csv')} has no row for id 19 (line 21 of ${join(dir, 'test_sample.csv')}). ` +
        `Add it, or delete ${join(dir, 'test_labels.csv')} to load the test set unlabelled.`,
    ));
});
