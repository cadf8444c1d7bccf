import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Piscina } from 'piscina';
import { dataIdxDir, dataLayoutDir, dataRgbaPng } from '../../fixtures/data.js';
import { parseIdxImages, readIdxBytes } from '../../src/io/idx.js';
import { decodePaths } from '../../src/workers/decode.worker.js';
import { DATA_ERROR_CAUSE } from '../../src/errors.js';

const trainPng = (id: number) => join(dataLayoutDir, 'images', 'train', `${id}.png`);
const idxPixels = async (from: number, to: number) =>
  new Uint8Array(parseIdxImages(await readIdxBytes(join(dataIdxDir, 'train-images-idx3-ubyte.gz')), 'idx').pixels.subarray(from * 784, to * 784));

describe('decode worker', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'decode-worker-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('decodes a chunk of paths into one buffer, in path order', async () => {
    const pixels = decodePaths([trainPng(2), trainPng(3)]);
    assert.deepEqual(pixels, await idxPixels(2, 4));
  });

  it('reads a file larger than its read buffer (a PNG with a 100 kB text chunk)', async () => {
    const png = await readFile(trainPng(5));
    const text = Buffer.alloc(12 + 100_000); // a tEXt chunk of spaces, CRC left 0: CRCs are not checked
    text.writeUInt32BE(100_000, 0);
    text.write('tEXt', 4, 'latin1');
    text.fill(0x20, 8, 8 + 100_000);
    const big = join(dir, 'big.png');
    await writeFile(big, Buffer.concat([png.subarray(0, 33), text, png.subarray(33)])); // after IHDR
    assert.deepEqual(decodePaths([big]), await idxPixels(5, 6));
  });

  it('marks bad input with DATA_ERROR_CAUSE, naming the file', () => {
    assert.throws(() => decodePaths([trainPng(0), dataRgbaPng]), {
      cause: DATA_ERROR_CAUSE,
      message: `${dataRgbaPng} has 4 channels (RGBA), expected 1 channel (greyscale). Convert it to a 28x28 8-bit greyscale PNG, or remove it and its CSV row.`,
    });
  });

  it('marks a missing file as bad input', () => {
    assert.throws(() => decodePaths(['/nonexistent/7.png']), {
      cause: DATA_ERROR_CAUSE,
      message: 'Cannot read /nonexistent/7.png (ENOENT). Check that the file exists and is readable.',
    });
  });

  it('returns the pixels through a real pool, moved rather than cloned', async () => {
    const pool = new Piscina<string[], Uint8Array>({
      filename: new URL('../../src/workers/decode.worker.js', import.meta.url).href,
      maxThreads: 1,
    });
    try {
      const pixels = await pool.run([trainPng(0), trainPng(1)]);
      assert.ok(pixels instanceof Uint8Array);
      assert.deepEqual(pixels, await idxPixels(0, 2));
    } finally {
      await pool.destroy();
    }
  });
});
