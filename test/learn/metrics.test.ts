import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accuracy, argmaxRows, classReport, confusionMatrix } from '../../src/learn/metrics.js';

describe('accuracy', () => {
  it('is the fraction of equal labels', () => {
    assert.equal(accuracy([0, 1, 2, 2], Uint8Array.from([0, 1, 1, 2])), 0.75);
  });

  it('refuses arrays of different lengths with both lengths in the message', () => {
    assert.throws(() => accuracy([0, 1], [0]), {
      message: 'Expected as many predictions as true labels but received 1 predictions for 2 labels.',
    });
  });
});

describe('confusionMatrix', () => {
  it('counts true classes in rows and predicted classes in columns', () => {
    assert.deepEqual(confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3), [
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });

  it('rejects an unknown label (255) instead of dropping it', () => {
    assert.throws(() => confusionMatrix([0, 255], [0, 1], 10), {
      message: 'Expected labels in 0..9 but received true 255, predicted 1 at position 1.',
    });
  });
});

describe('classReport', () => {
  it('matches scikit-learn precision, recall and F1 per class', () => {
    // y_true = [0,0,1,2,2], y_pred = [0,1,1,2,0]; sklearn: precision [.5,.5,1], recall [.5,1,.5]
    const report = classReport(confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3));
    assert.deepEqual(
      report.perClass.map((c) => [c.precision, c.recall, c.support]),
      [
        [0.5, 0.5, 2],
        [0.5, 1, 1],
        [1, 0.5, 2],
      ],
    );
    assert.ok(Math.abs(report.perClass[1]!.f1 - 2 / 3) < 1e-12);
    assert.ok(Math.abs(report.macro.f1 - (0.5 + 2 / 3 + 2 / 3) / 3) < 1e-12);
  });

  it('gives 0 (not NaN) for a class that is never predicted or never present', () => {
    const report = classReport(confusionMatrix([0, 0], [0, 0], 2));
    assert.deepEqual(report.perClass[1], { precision: 0, recall: 0, f1: 0, support: 0 });
  });
});

describe('argmaxRows', () => {
  it('returns the index of each row maximum, the first on ties', () => {
    assert.deepEqual(argmaxRows(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.5, 0]), 2, 3), Uint8Array.from([1, 0]));
  });
});
