import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stratifiedKFold } from '../../src/learn/stratifiedKFold.js';

/** Labels 0..classes-1 cycling, `n` of them (like a shuffled real label file, every class spread out). */
const cycling = (n: number, classes: number) => Array.from({ length: n }, (_, i) => i % classes);

function countByClass(rows: Int32Array, labels: number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const r of rows) counts[labels[r]!]! += 1;
  return counts;
}

describe('stratifiedKFold', () => {
  it('gives every fold the same share of every class (960 per class per fold on 48,000 images)', () => {
    const labels = cycling(48_000, 10);
    const folds = stratifiedKFold(labels, 5, 87);
    assert.equal(folds.length, 5);
    for (const fold of folds) {
      assert.deepEqual(countByClass(fold.test, labels, 10), new Array(10).fill(960));
      assert.deepEqual(countByClass(fold.train, labels, 10), new Array(10).fill(3840));
    }
  });

  it('uses every sample in exactly one test fold, and trains on all the others', () => {
    const labels = cycling(103, 3);
    const folds = stratifiedKFold(labels, 4, 1);
    const seen = new Array<number>(103).fill(0);
    for (const { train, test } of folds) {
      for (const i of test) seen[i]! += 1;
      assert.equal(train.length + test.length, 103);
      const inTest = new Set(test);
      assert.ok(train.every((i) => !inTest.has(i)), 'no sample both trains and tests');
      assert.deepEqual(Array.from(train), [...train].sort((a, b) => a - b), 'ascending, as scikit-learn returns them');
    }
    assert.deepEqual(seen, new Array(103).fill(1));
  });

  it('keeps fold sizes within one of each other when classes do not divide evenly', () => {
    const labels = [...new Array(7).fill(0), ...new Array(7).fill(1), ...new Array(7).fill(2)];
    const sizes = stratifiedKFold(labels, 5, 3).map((f) => f.test.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 21);
  });

  it('shuffles with the seed: the same seed gives the same folds, another seed others', () => {
    const labels = cycling(500, 10);
    const tests = (seed: number) => stratifiedKFold(labels, 5, seed).map((f) => Array.from(f.test));
    assert.deepEqual(tests(87), tests(87));
    assert.notDeepEqual(tests(87), tests(88));
  });

  it('refuses more folds than a class has members, naming the class', () => {
    assert.throws(() => stratifiedKFold([0, 0, 0, 1, 1, 0], 3, 1), {
      message: 'Expected at least 3 samples of every class for 3 stratified folds but class 1 has 2. Use fewer folds.',
    });
    assert.throws(() => stratifiedKFold([0, 1], 1, 1), { message: 'Expected a fold count in 2..2 (the number of samples) but received 1.' });
  });
});
