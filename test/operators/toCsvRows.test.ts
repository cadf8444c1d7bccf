import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, toArray } from 'rxjs';
import { topClass, toCsvRows } from '../../src/operators/toCsvRows.js';

const probsOf = (...rows: number[][]) => Float32Array.from(rows.flatMap((r) => [...r, ...Array(10 - r.length).fill(0)]));

describe('toCsvRows', () => {
  it('formats one row per item with its most probable class, in item order', async () => {
    const batch = { items: ['a.png', 'b.png'], probs: probsOf([0.1, 0.9], [0, 0, 0.2, 0.3, 0.5]) };
    const rows = await lastValueFrom(from([batch]).pipe(toCsvRows((path, label, p) => [path, label, p.toFixed(2)]), toArray()));
    assert.deepEqual(rows, [[['a.png', 1, '0.90'], ['b.png', 4, '0.50']]]);
  });

  it('picks the first class on ties', () => {
    assert.deepEqual(topClass(probsOf([0.5, 0.5]), 0), { label: 0, probability: 0.5 });
  });
});
