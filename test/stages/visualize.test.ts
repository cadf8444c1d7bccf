import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodePng, syntheticImage, writeSyntheticCache } from '../../fixtures/index.js';
import { DEFAULTS } from '../../src/config.js';
import { visualizeOutputs } from '../../src/io/paths.js';
import { formatPixelText } from '../../src/plots/pixelText.js';
import { checkInputs, type StageContext } from '../../src/stage.js';
import { labelTitle, sampleRows, visualize } from '../../src/stages/visualize.js';
import { createStageContext } from '../../src/stage.js';

function recordingContext(lines: string[]): StageContext {
  return createStageContext({ log: (line) => lines.push(line), signal: new AbortController().signal });
}

describe('visualize stage', () => {
  let dir: string;
  const ids = Array.from({ length: 20 }, (_, i) => 8690 + i); // id 8703 is row 13, label 3
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'visualize-stage-'));
    await writeSyntheticCache(dir, ids);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes the 3x5 samples grid, image 8703 enlarged, and its pixel values as text', async () => {
    const lines: string[] = [];
    await visualize.run({ ...DEFAULTS, artifactsDir: dir }, recordingContext(lines));
    const out = visualizeOutputs(dir);

    const grid = await decodePng(await readFile(out.samples));
    // scale 5 (140 px images), 14 px titles: 2*10 + 5*140 + 4*10 by 2*10 + 3*(21 + 140) + 2*10
    assert.deepEqual([grid.width, grid.height], [760, 523]);
    const one = await decodePng(await readFile(out.sampleImage));
    // scale 12 (336 px), 20 px title: 2*10 + 336 by 2*10 + 30 + 336
    assert.deepEqual([one.width, one.height], [356, 386]);

    const text = formatPixelText(syntheticImage(13));
    assert.equal(await readFile(out.sampleText, 'utf8'), `${text}\n`);

    const sampled = sampleRows(20, 15, 87).map((r) => ids[r]);
    assert.deepEqual(lines.slice(0, 5), [
      `15 random training images (seed 87), ids ${sampled.join(', ')}`,
      `  -> ${out.samples}`,
      'image 8703: 3 : Dress',
      `  -> ${out.sampleImage}`,
      `its 28x28 pixel values (0..255), also in ${out.sampleText}:`,
    ]);
    assert.deepEqual(lines.slice(5), text.split('\n'));
  });

  it('samples distinct rows, the same for the same seed', () => {
    const rows = sampleRows(60_000, 15, 87);
    assert.equal(new Set(rows).size, 15);
    assert.deepEqual(rows, sampleRows(60_000, 15, 87));
    assert.notDeepEqual(rows, sampleRows(60_000, 15, 88));
  });

  it('titles images as the study does: label : name', () => {
    assert.equal(labelTitle(6), '6 : Shirt');
    assert.equal(labelTitle(0), '0 : T-shirt/top');
  });

  it('says what to do when image 8703 is not in the cache', async () => {
    const small = join(dir, 'small');
    await writeSyntheticCache(small, Array.from({ length: 16 }, (_, i) => i));
    await assert.rejects(visualize.run({ ...DEFAULTS, artifactsDir: small }, recordingContext([])), {
      name: 'DataError',
      message:
        "Image id 8703 (the study's enlarged sample) is not among the 16 training images in the pixel cache. " +
        'Use the full Fashion-MNIST training set (ids 0..59999), then run `npm start -- --stage load`.',
    });
  });

  it('names the load stage when the pixel cache is missing', async () => {
    const empty = join(dir, 'nothing-here');
    await assert.rejects(checkInputs(visualize, { ...DEFAULTS, artifactsDir: empty }), {
      name: 'MissingInputError',
      message:
        `Missing ${join(empty, 'cache', 'manifest.json')} (input of stage "visualize"). ` +
        'Run `npm start -- --stage load` first, or use --stage all.',
    });
  });
});
