import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOOST_DEFAULTS } from '../src/boost/model.js';
import { DEFAULTS, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('uses the defaults when no flag is given', () => {
    const c = loadConfig([]);
    assert.equal(c.stage, 'all');
    assert.equal(c.dataDir, 'data/Fashion_MNIST');
    assert.equal(c.artifactsDir, 'artifacts');
    assert.equal(c.seed, 87);
    // each network's own training batch size, and INFERENCE_BATCH_SIZE for prediction
    assert.equal(c.batchSize, undefined);
  });

  it('parses numeric flags', () => {
    const c = loadConfig(['--stage', 'split', '--seed', '3', '--batch-size', '64', '--resume']);
    assert.equal(c.stage, 'split');
    assert.equal(c.seed, 3);
    assert.equal(c.batchSize, 64);
    assert.equal(c.resume, true);
  });

  it('names the flag and the value when a number is wrong', () => {
    assert.throws(() => loadConfig(['--batch-size', 'abc']), {
      message: 'Expected a positive integer for batchSize but received "abc" (from --batch-size).',
    });
  });

  it('takes --max-input-bytes, 50 MB by default, a positive integer', () => {
    assert.equal(loadConfig([]).maxInputBytes, 50_000_000);
    assert.equal(loadConfig(['--max-input-bytes', '1000']).maxInputBytes, 1000);
    assert.throws(() => loadConfig(['--max-input-bytes', '0']), {
      message: 'Expected a positive integer for maxInputBytes but received "0" (from --max-input-bytes).',
    });
  });

  it("takes the boost stage's flags, each checked by the learner's range, without touching the defaults", () => {
    const c = loadConfig(['--max-leaves', '63', '--learning-rate', '0.1', '--subsample', '1', '--cv']);
    assert.deepEqual([c.boost.maxLeaves, c.boost.learningRate, c.boost.subsample, c.boost.cv], [63, 0.1, 1, true]);
    assert.equal(c.boost.rounds, BOOST_DEFAULTS.rounds);
    assert.deepEqual([DEFAULTS.boost.maxLeaves, DEFAULTS.boost.cv], [BOOST_DEFAULTS.maxLeaves, false]);
    assert.throws(() => loadConfig(['--max-leaves', '1']), { message: 'Expected an integer in [2, 127] for maxLeaves but received "1" (from --max-leaves).' });
    assert.throws(() => loadConfig(['--subsample', '1.5']), { message: 'Expected a number in (0, 1] for subsample but received "1.5" (from --subsample).' });
    assert.throws(() => loadConfig(['--learning-rate', '']), { message: 'Expected a number > 0 for learningRate but received "" (from --learning-rate).' });
    assert.throws(() => loadConfig(['--lambda', '-1']), { message: 'Expected a number >= 0 for lambda but received "-1" (from --lambda).' });
  });

  it('rejects an unknown backend', () => {
    assert.throws(() => loadConfig(['--backend', 'gpu']), {
      message: 'Expected tensorflow | wasm | cpu for backend but received "gpu" (from --backend).',
    });
  });

  it('rejects unknown flags in one line that names the flag', () => {
    assert.throws(() => loadConfig(['--bogus']), { message: 'Unknown flag --bogus. Run `npm start -- --help` for the flags.' });
  });

  it('checks a value that starts with a dash like any other (`--epochs -1`), in one line', () => {
    for (const argv of [['--epochs', '-1'], ['--epochs=-1']]) {
      assert.throws(() => loadConfig(argv), { message: 'Expected a positive integer for epochs but received "-1" (from --epochs).' });
    }
  });

  it('keeps `-` as a value (stdin) and a following flag as a flag, whose missing value is named', () => {
    assert.equal(loadConfig(['--input', '-']).input, '-');
    assert.throws(() => loadConfig(['--model', '--resume']), { message: '--model needs a value, as in --model=VALUE (see --help).' });
    assert.throws(() => loadConfig(['--model']), { message: '--model needs a value, as in --model=VALUE (see --help).' });
  });

  it('rejects a stray argument, naming it', () => {
    assert.throws(() => loadConfig(['trees']), {
      message: 'Unexpected argument "trees": every value follows its flag, as in --stage trees (see --help).',
    });
  });
});
