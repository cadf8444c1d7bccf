import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, EMPTY, from, lastValueFrom, throwError, toArray } from 'rxjs';
import { reportProgress } from '../../src/operators/reportProgress.js';

const counter = () => {
  const ticks: number[] = [];
  return { ticks, tick: (n = 1) => ticks.push(n) };
};

describe('reportProgress', () => {
  it('ticks by each value\'s weight and passes values through unchanged', async () => {
    const progress = counter();
    const out = await lastValueFrom(from([[1, 2], [3]]).pipe(reportProgress(progress, (v) => v.length), toArray()));
    assert.deepEqual(out, [[1, 2], [3]]);
    assert.deepEqual(progress.ticks, [2, 1]);
  });

  it('ticks once per value by default', async () => {
    const progress = counter();
    await lastValueFrom(from(['a', 'b', 'c']).pipe(reportProgress(progress)));
    assert.deepEqual(progress.ticks, [1, 1, 1]);
  });

  it('never ticks for an empty source', async () => {
    const progress = counter();
    await lastValueFrom(EMPTY.pipe(reportProgress(progress), toArray()));
    assert.deepEqual(progress.ticks, []);
  });

  it('passes an error through after ticking for the values before it', async () => {
    const progress = counter();
    const source = concat(from([1]), throwError(() => new Error('boom')));
    await assert.rejects(lastValueFrom(source.pipe(reportProgress(progress))), { message: 'boom' });
    assert.deepEqual(progress.ticks, [1]);
  });
});
