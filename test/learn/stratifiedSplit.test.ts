import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stratifiedSplit } from '../../src/learn/stratifiedSplit.js';

/** `perClass[k]` rows of class k, interleaved (0,1,2,...,0,1,2,...) like a real label file. */
function labelsWith(perClass: number[]): number[] {
  const labels: number[] = [];
  for (let round = 0; round < Math.max(...perClass); round++) {
    perClass.forEach((count, k) => {
      if (round < count) labels.push(k);
    });
  }
  return labels;
}

/** How many of `rows` have each label, by label. */
function countByClass(rows: number[], labels: number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const r of rows) counts[labels[r]] += 1;
  return counts;
}

describe('stratifiedSplit', () => {
  it('holds out exactly the fraction of every class (4,800 / 1,200 per class, like the study)', () => {
    const labels = labelsWith(new Array(10).fill(6000));
    const { train, valid } = stratifiedSplit(labels, { validFraction: 0.2, seed: 87 });
    assert.equal(train.length, 48_000);
    assert.equal(valid.length, 12_000);
    assert.deepEqual(countByClass(train, labels, 10), new Array(10).fill(4800));
    assert.deepEqual(countByClass(valid, labels, 10), new Array(10).fill(1200));
  });

  it('uses every row exactly once: no overlap, union is all rows', () => {
    const labels = labelsWith([13, 7, 21, 9]);
    const { train, valid } = stratifiedSplit(labels, { validFraction: 0.3, seed: 1 });
    const all = [...train, ...valid].sort((a, b) => a - b);
    assert.deepEqual(all, labels.map((_, i) => i));
  });

  it('gives the same split for the same seed', () => {
    const labels = labelsWith([40, 40, 40]);
    assert.deepEqual(
      stratifiedSplit(labels, { validFraction: 0.2, seed: 87 }),
      stratifiedSplit(labels, { validFraction: 0.2, seed: 87 }),
    );
  });

  it('gives a different split for a different seed', () => {
    const labels = labelsWith([40, 40, 40]);
    const a = stratifiedSplit(labels, { validFraction: 0.2, seed: 87 });
    const b = stratifiedSplit(labels, { validFraction: 0.2, seed: 88 });
    assert.notDeepEqual(a.valid, b.valid);
    assert.notDeepEqual(a.train, b.train);
  });

  it('returns train shuffled across classes and valid ascending', () => {
    const labels = labelsWith([50, 50]);
    const { train, valid } = stratifiedSplit(labels, { validFraction: 0.2, seed: 87 });
    assert.notDeepEqual(train, [...train].sort((a, b) => a - b));
    // the last 20% of train (Keras validation_split) holds both classes
    assert.deepEqual(new Set(train.slice(-16).map((r) => labels[r])), new Set([0, 1]));
    assert.deepEqual(valid, [...valid].sort((a, b) => a - b));
  });

  it('shares leftover rows of small odd classes one each, lowest label first on ties', () => {
    const labels = labelsWith([3, 3, 3]); // 9 rows, 20% -> 2 (1.8 rounded), 0.6 per class
    const { train, valid } = stratifiedSplit(labels, { validFraction: 0.2, seed: 5 });
    assert.deepEqual(countByClass(valid, labels, 3), [1, 1, 0]);
    assert.deepEqual(countByClass(train, labels, 3), [2, 2, 3]);
  });

  it('gives leftover rows to the largest remainders first', () => {
    const labels = labelsWith([7, 2, 11]); // 20 rows, 25% -> 5: ideal 1.75, 0.5, 2.75
    const { valid } = stratifiedSplit(labels, { validFraction: 0.25, seed: 5 });
    assert.deepEqual(countByClass(valid, labels, 3), [2, 0, 3]);
  });

  it('keeps a single-row class in train rather than moving it all to validation', () => {
    const labels = [...new Array(8).fill(0), 1]; // 50% -> 5 (4.5 rounded): ideal 4.44 and 0.56
    const { train, valid } = stratifiedSplit(labels, { validFraction: 0.5, seed: 5 });
    assert.deepEqual(countByClass(valid, labels, 2), [5, 0]);
    assert.deepEqual(countByClass(train, labels, 2), [3, 1]);
  });

  it('rejects a fraction outside (0, 1)', () => {
    assert.throws(() => stratifiedSplit([0, 1, 0, 1], { validFraction: 1, seed: 1 }), {
      name: 'ConfigError',
      message: 'Expected a number strictly between 0 and 1 for validFraction but received 1.',
    });
  });

  it('rejects a fraction that leaves one side empty', () => {
    assert.throws(() => stratifiedSplit([0, 1, 0], { validFraction: 0.1, seed: 1 }), {
      name: 'ConfigError',
      message: 'Expected a fraction that leaves at least one of the 3 rows on each side for validFraction but received 0.1.',
    });
  });
});
