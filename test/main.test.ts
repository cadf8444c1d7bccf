import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { TRAINING_DEFAULTS } from '../src/config.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

describe('the CLI', () => {
  it('lists every stage of the study in order, and the flags with defaults, under --help', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    const stages = [...r.stdout.matchAll(/^ {2}(\w+) {2,}/gm)].map((m) => m[1]);
    assert.deepEqual(stages, ['prepare', 'load', 'visualize', 'split', 'trees', 'mlp', 'cnn', 'evaluate', 'predict', 'report']);
    assert.match(r.stdout, /--seed .*\(default: 87\)/);
    assert.match(r.stdout, /--data-dir .*\(default: data\/Fashion_MNIST\)/);
    assert.match(r.stdout, /--max-input-bytes predict --input: larger image files are refused unread \(default: 50000000\)/);
    // the defaults the network stages use (config.ts), not a copy that can drift
    const { mlp, cnn } = TRAINING_DEFAULTS;
    assert.match(r.stdout, new RegExp(`--epochs .*\\(default: mlp ${mlp.epochs}, cnn ${cnn.epochs}; the study: 500\\)`));
    assert.match(r.stdout, new RegExp(`--patience .*\\(default: mlp ${mlp.patience}, cnn ${cnn.patience}; the study: 50\\)`));
  });

  it('exits 1 with a one-line cause for an unknown stage', () => {
    const r = cli('--stage', 'bogus');
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'error: Unknown stage "bogus" (from --stage). Use one of: all, prepare, load, visualize, split, trees, mlp, cnn, evaluate, predict, report.\n',
    );
  });

  it('names the stage to run when an input is missing', () => {
    const r = cli('--stage', 'split', '--artifacts-dir', '/nonexistent/artifacts');
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'error: Missing /nonexistent/artifacts/cache/manifest.json (input of stage "split"). ' +
        'Run `npm start -- --stage load` first, or use --stage all.\n',
    );
  });
});
