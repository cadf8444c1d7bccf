/**
 * The load stage on layouts written by other tools (issue 16): every grey PNG encoding loads to
 * the same cache as the dataset's own PNGs, and hostile PNGs are DataErrors naming the file.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataLayoutDir } from '../../fixtures/data.js';
import { deflatedZeros, greyPngEncodings, ihdrOf, pngOfChunks } from '../../fixtures/pngEncodings.js';
import { DEFAULTS } from '../../src/config.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { artifactPaths } from '../../src/io/paths.js';
import { readPixelCache } from '../../src/io/pixelCache.js';
import { load } from '../../src/stages/load/index.js';
import { createStageContext } from '../../src/stage.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'load-encodings-'));
});
after(() => rm(root, { recursive: true, force: true }));

const runLoad = (dataDir: string, artifactsDir: string) =>
  load.run({ ...DEFAULTS, dataDir, artifactsDir, workers: 1 }, createStageContext({ log: () => undefined, signal: new AbortController().signal }));

/** A private copy of the fixture layout, safe to change. */
async function layoutCopy(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(dataLayoutDir, dir, { recursive: true });
  return dir;
}
const image = (dir: string, set: 'train' | 'test', id: number) => join(dir, 'images', set, `${id}.png`);
const FIX = 'Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.';

describe('load: PNG encodings other tools write (issue 16)', () => {
  it('a layout of mixed grey encodings gives the same cache as the plain PNGs', async () => {
    const plainArtifacts = join(root, 'artifacts-plain');
    await runLoad(dataLayoutDir, plainArtifacts);
    const plain = await readPixelCache(artifactPaths(plainArtifacts));

    const dir = await layoutCopy('mixed');
    let replaced = 0;
    for (const [set, count] of [['train', 40], ['test', 20]] as const) {
      for (let id = 0; id < count; id += 1) {
        const pixels = plain[set].pixels.subarray(id * PIXELS_PER_IMAGE, (id + 1) * PIXELS_PER_IMAGE);
        const lossless = Object.values(await greyPngEncodings(pixels)).filter((e) => e.lossless);
        await writeFile(image(dir, set, id), lossless[id % lossless.length]!.png);
        replaced += 1;
      }
    }
    const artifacts = join(root, 'artifacts-mixed');
    await runLoad(dir, artifacts);
    const mixed = await readPixelCache(artifactPaths(artifacts));
    assert.equal(replaced, 60);
    assert.deepEqual(mixed.train.pixels, plain.train.pixels);
    assert.deepEqual(mixed.test.pixels, plain.test.pixels);
    assert.deepEqual(mixed.train.labels, plain.train.labels);
  });
});

describe('load: hostile PNGs (issue 16)', () => {
  const artifacts = () => join(root, 'artifacts-hostile');

  it('a zlib bomb (a 28x28 header over 64 MiB of zeros) is refused, naming the file', async () => {
    const dir = await layoutCopy('bomb');
    await writeFile(image(dir, 'train', 3), pngOfChunks([['IHDR', ihdrOf(8, 0)], ['IDAT', await deflatedZeros(64)]]));
    await assert.rejects(runLoad(dir, artifacts()), {
      name: 'DataError',
      message: `Cannot decode ${image(dir, 'train', 3)}: its image data inflates to more than the 812 bytes its 28x28 header allows (a zlib bomb?). ${FIX}`,
    });
  });

  it('a PNG whose IHDR is cut short is a DataError naming the file, not a RangeError', async () => {
    const dir = await layoutCopy('short-ihdr');
    const png = await readFile(image(dir, 'test', 5));
    const cut = Buffer.from(png.subarray(0, 20)); // signature, then an IHDR chunk of length 0 and no more
    cut.writeUInt32BE(0, 8);
    await writeFile(image(dir, 'test', 5), cut);
    await assert.rejects(runLoad(dir, artifacts()), {
      name: 'DataError',
      message: `Cannot decode ${image(dir, 'test', 5)}: its IHDR chunk is 0 bytes, expected 13. ${FIX}`,
    });
  });
});
