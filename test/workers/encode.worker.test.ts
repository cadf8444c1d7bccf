import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { decodeGreyPng } from '../../src/io/pngDecode.js';
import encodeRun from '../../src/workers/encode.worker.js';

describe('encode worker', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'encode-worker-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes images first..first+count-1 as {id}.png that decode to their rows', async () => {
    const pixels = Uint8Array.from({ length: 5 * PIXELS_PER_IMAGE }, (_, i) => (i * 7) % 256);
    assert.equal(encodeRun({ pixels, first: 2, count: 3, dir }), 3);
    assert.deepEqual((await readdir(dir)).sort(), ['2.png', '3.png', '4.png']);
    for (const id of [2, 3, 4]) {
      const out = new Uint8Array(PIXELS_PER_IMAGE);
      decodeGreyPng(await readFile(join(dir, `${id}.png`)), `${id}.png`, out, 0);
      assert.deepEqual(out, pixels.slice(id * PIXELS_PER_IMAGE, (id + 1) * PIXELS_PER_IMAGE));
    }
  });
});
