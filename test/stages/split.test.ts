import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeSyntheticCache } from '../../fixtures/index.js';
import { DEFAULTS } from '../../src/config.js';
import { artifactPaths } from '../../src/io/paths.js';
import { readSplit } from '../../src/io/split.js';
import { checkInputs, type StageContext } from '../../src/stage.js';
import { split } from '../../src/stages/split.js';
import { createStageContext } from '../../src/stage.js';

/** A context that records what the stage prints. */
function recordingContext(lines: string[]): StageContext {
  return createStageContext({ log: (line) => lines.push(line), signal: new AbortController().signal });
}

describe('split stage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'split-stage-'));
    // 100 images, labels row % 10: 10 of each class
    await writeSyntheticCache(dir, Array.from({ length: 100 }, (_, i) => 1000 + i));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes an 80/20 stratified split.json and prints shapes and class counts', async () => {
    const lines: string[] = [];
    const config = { ...DEFAULTS, artifactsDir: dir };
    await split.run(config, recordingContext(lines));
    const written = await readSplit(artifactPaths(dir).split);
    assert.equal(written.seed, 87);
    assert.equal(written.validFraction, 0.2);
    assert.equal(written.train.length, 80);
    assert.equal(written.valid.length, 20);
    assert.deepEqual(
      [...written.train, ...written.valid].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(lines, [
      '(80, 28, 28) (20, 28, 28) (80,) (20,)',
      'class name         train  valid',
      '    0 T-shirt/top      8      2',
      '    1 Trouser          8      2',
      '    2 Pullover         8      2',
      '    3 Dress            8      2',
      '    4 Coat             8      2',
      '    5 Sandal           8      2',
      '    6 Shirt            8      2',
      '    7 Sneaker          8      2',
      '    8 Bag              8      2',
      '    9 Ankle boot       8      2',
      `  -> ${artifactPaths(dir).split} (seed 87)`,
    ]);
  });

  it('follows --seed: another seed gives another split', async () => {
    await split.run({ ...DEFAULTS, artifactsDir: dir, seed: 87 }, recordingContext([]));
    const a = await readSplit(artifactPaths(dir).split);
    await split.run({ ...DEFAULTS, artifactsDir: dir, seed: 3 }, recordingContext([]));
    const b = await readSplit(artifactPaths(dir).split);
    assert.equal(b.seed, 3);
    assert.notDeepEqual(a.valid, b.valid);
  });

  it('names the load stage when the pixel cache is missing', async () => {
    const empty = join(dir, 'nothing-here');
    await assert.rejects(checkInputs(split, { ...DEFAULTS, artifactsDir: empty }), {
      name: 'MissingInputError',
      message:
        `Missing ${join(empty, 'cache', 'manifest.json')} (input of stage "split"). ` +
        'Run `npm start -- --stage load` first, or use --stage all.',
    });
  });
});
