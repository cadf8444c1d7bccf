/**
 * The benches' reference libraries, measured in the same run (issue 16): reading a reference
 * script's output, the lines that compare with it, and the "no reference measured" paths. No
 * test needs PyTorch or scikit-learn installed: where the real scripts run, the library is
 * hidden from them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { versusPytorch } from '../../bench/_networks.js';
import { measureReference, readReference, referenceScript, type Reference } from '../../bench/_reference.js';
import { compareWithSklearn } from '../../bench/trees.js';

const SCRIPT = '/repo/bench/pytorch_reference.py';
const PYTORCH_FIGURES = {
  library: 'PyTorch 1.13.0a0',
  threads: { torch: 1, openblas: 2 },
  secondsPerEpoch: 6.8,
  epochs: 3,
  scaledFromBatches: null,
  imagesPerSecond: { '500': 32900, '32': 41000 },
  testImages: 10000,
};
const SKLEARN_FIGURES = {
  library: 'scikit-learn 1.2.1',
  jobs: 2,
  models: {
    'decision-tree': { fitSeconds: 27.9, validAccuracy: 0.7896, cvSeconds: 101.0, cvMean: 0.79 },
    'random-forest': { fitSeconds: 28.9, validAccuracy: 0.8805 },
  },
};

describe('reading a reference script', () => {
  it('takes the JSON object on the last line of stdout as the figures', () => {
    const stdout = `some progress\n${JSON.stringify(PYTORCH_FIGURES)}\n`;
    assert.deepEqual(readReference(SCRIPT, 'python3', { stdout, code: 0 }), { measured: true, figures: PYTORCH_FIGURES });
  });

  it('reports an interpreter that cannot import the library (exit code 3), and one that is missing', () => {
    assert.deepEqual(readReference(SCRIPT, '/usr/bin/python3', { stdout: '{"unavailable": "No module named \'torch\'"}\n', code: 3 }), {
      measured: false,
      why: "/usr/bin/python3 cannot import it (No module named 'torch'); set BENCH_PYTHON to an interpreter that has it",
    });
    const enoent = Object.assign(new Error('spawn py ENOENT'), { code: 'ENOENT' });
    assert.deepEqual(readReference(SCRIPT, 'py', { stdout: '', code: null, spawnError: enoent }), {
      measured: false,
      why: 'no Python interpreter "py" (not found); set BENCH_PYTHON to one that has the library',
    });
  });

  it('reports a script that failed, and refuses a successful one without a JSON result', () => {
    assert.deepEqual(readReference(SCRIPT, 'python3', { stdout: '', code: 1 }), {
      measured: false,
      why: '/repo/bench/pytorch_reference.py failed with exit code 1 (its messages are above)',
    });
    assert.throws(
      () => readReference(SCRIPT, 'python3', { stdout: 'pytorch mlp: 6.8 s/epoch\n', code: 0 }),
      { message: '/repo/bench/pytorch_reference.py exited 0 but its last line of output is not a JSON object: "pytorch mlp: 6.8 s/epoch"' },
    );
  });
});

describe('comparing with the reference', () => {
  const pytorch: Reference = { measured: true, figures: PYTORCH_FIGURES };
  const sklearn: Reference = { measured: true, figures: SKLEARN_FIGURES };

  it('gives ours over PyTorch\'s for training time and for the inference rate at the same batch size', () => {
    assert.equal(versusPytorch(pytorch, 7.6), "; PyTorch 1.13.0a0, same run: 6.8 s/epoch -> 1.12x PyTorch's time");
    assert.equal(versusPytorch(pytorch, 15600, 500), "; PyTorch 1.13.0a0, same run: 32900 images/s -> 0.47x PyTorch's rate");
    assert.throws(() => versusPytorch(pytorch, 15600, 64), { message: /pytorch_reference\.py gave no number at imagesPerSecond\.64 \(got undefined\)$/ });
  });

  it('gives ours over scikit-learn\'s for the fit and the CV, with both validation accuracies', () => {
    assert.deepEqual(compareWithSklearn('decision-tree', { fitSeconds: 2.7, cvSeconds: 6.2, validAccuracy: 0.7982 }, sklearn), [
      "decision-tree  fit 2.7 s against scikit-learn 1.2.1's 27.9 s (same run) -> 0.10x its time; valid accuracy 0.7982 against 0.7896",
      "decision-tree  5-fold CV 6.2 s against scikit-learn 1.2.1's 101.0 s (same run) -> 0.06x its time",
    ]);
    assert.deepEqual(compareWithSklearn('random-forest', { fitSeconds: 5.8, validAccuracy: 0.8824 }, sklearn), [
      "random-forest  fit 5.8 s against scikit-learn 1.2.1's 28.9 s (same run) -> 0.20x its time; valid accuracy 0.8824 against 0.8805",
    ]);
  });

  it('says that no reference was measured, and why, instead of a ratio', () => {
    const none: Reference = { measured: false, why: '--no-reference' };
    assert.equal(versusPytorch(none, 7.6), '; no PyTorch reference measured: --no-reference');
    assert.deepEqual(compareWithSklearn('random-forest', { fitSeconds: 5.8, validAccuracy: 0.8824 }, none), [
      'random-forest  no scikit-learn reference measured: --no-reference',
    ]);
  });
});

describe('running the reference scripts without their library', () => {
  let hidden: string;
  before(() => {
    // packages named torch, sklearn and xgboost that fail to import, found before any installed ones
    hidden = mkdtempSync(join(tmpdir(), 'no-reference-'));
    for (const name of ['torch', 'sklearn', 'xgboost']) {
      mkdirSync(join(hidden, name));
      writeFileSync(join(hidden, name, '__init__.py'), `raise ImportError("No module named '${name}'")\n`);
    }
  });
  after(() => rmSync(hidden, { recursive: true, force: true }));

  it('measures nothing where BENCH_PYTHON names no interpreter', async () => {
    const reference = await measureReference(referenceScript('pytorch_reference.py'), ['mlp'], { ...process.env, BENCH_PYTHON: '/nonexistent/python3' });
    assert.deepEqual(reference, {
      measured: false,
      why: 'no Python interpreter "/nonexistent/python3" (not found); set BENCH_PYTHON to one that has the library',
    });
  });

  for (const [script, args, module] of [
    ['pytorch_reference.py', ['mlp'], 'torch'],
    ['sklearn_reference.py', ['--no-cv'], 'sklearn'],
    ['xgboost_reference.py', ['{"max_depth": 6}'], 'xgboost'],
  ] as const) {
    it(`measures nothing where ${module} cannot be imported, before reading any data (${script})`, async () => {
      const env = { ...process.env, BENCH_PYTHON: 'python3', PYTHONPATH: hidden };
      const reference = await measureReference(referenceScript(script), [...args, '--artifacts-dir', '/nonexistent'], env);
      assert.deepEqual(reference, {
        measured: false,
        why: `python3 cannot import it (No module named '${module}'); set BENCH_PYTHON to an interpreter that has it`,
      });
    });
  }
});
