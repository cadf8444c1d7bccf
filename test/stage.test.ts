import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../src/config.js';
import { STAGES } from '../src/stages/index.js';

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
      mlp: ['checkpoints/mlp', 'models/mlp', 'history', 'figures', '.'],
      cnn: ['checkpoints/cnn', 'models/cnn', 'history', 'figures', '.'],
      evaluate: ['figures', '.'],
      predict: ['predictions'],
      report: ['.'],
    });
  });
});
