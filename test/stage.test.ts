import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../src/config.js';
import { checkInputs } from '../src/stage.js';
import { STAGES } from '../src/stages/index.js';

describe('declared inputs', () => {
  it('a missing input names the stage that writes it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'stage-inputs-'));
    try {
      const config = { ...DEFAULTS, artifactsDir: empty, dataDir: join(empty, 'data') };
      const missing: Record<string, string> = {};
      for (const entry of STAGES) {
        const stage = await entry.load();
        const [first] = stage.inputs(config);
        if (!first) continue;
        await assert.rejects(checkInputs(stage, config), {
          name: 'MissingInputError',
          message: `Missing ${first.path} (input of stage "${stage.name}"). Run \`npm start -- --stage ${first.producer}\` first, or use --stage all.`,
        });
        missing[stage.name] = `${relative(empty, first.path)} <- ${first.producer}`;
      }
      assert.deepEqual(missing, {
        load: 'data/train.csv <- prepare',
        visualize: 'cache/manifest.json <- load',
        split: 'cache/manifest.json <- load',
        trees: 'cache/manifest.json <- load',
        boost: 'cache/manifest.json <- load',
        mlp: 'cache/manifest.json <- load',
        cnn: 'cache/manifest.json <- load',
        convnet: 'cache/manifest.json <- load',
        evaluate: 'cache/manifest.json <- load',
        predict: 'data/test_sample.csv <- prepare',
        report: 'metrics.json <- evaluate',
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('declared outputs (issue 16)', () => {
  it('lists only folders under the artifacts folder, where leftover temp files are removed', async () => {
    const config = { ...DEFAULTS, artifactsDir: join('/somewhere', 'artifacts'), dataDir: join('/data', 'Fashion_MNIST') };
    const outputs: Record<string, string[]> = {};
    for (const entry of STAGES) {
      const stage = await entry.load();
      outputs[stage.name] = stage.outputs(config).map((dir) => relative(config.artifactsDir, dir) || '.');
    }
    assert.deepEqual(outputs, {
      prepare: [],
      load: ['cache'],
      visualize: ['figures'],
      split: ['.'],
      trees: ['models', '.'],
      boost: ['models', 'figures', 'history', '.'],
      mlp: ['checkpoints/mlp', 'models/mlp', 'history', 'figures', '.'],
      cnn: ['checkpoints/cnn', 'models/cnn', 'history', 'figures', '.'],
      convnet: ['checkpoints/convnet', 'models/convnet', 'history', 'figures', '.'],
      evaluate: ['figures', '.'],
      predict: ['predictions'],
      report: ['.'],
      serve: [],
    });
  });
});
