import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, Subject, toArray } from 'rxjs';
import { inOrder } from '../../src/operators/inOrder.js';

describe('inOrder', () => {
  it('re-emits values by position, holding early ones back', async () => {
    const out = await lastValueFrom(from([2, 0, 1, 4, 3]).pipe(inOrder((v) => v), toArray()));
    assert.deepEqual(out, [0, 1, 2, 3, 4]);
  });

  it('emits each value as soon as everything before it has arrived', () => {
    const source = new Subject<number>();
    const seen: number[] = [];
    source.pipe(inOrder((v) => v)).subscribe((v) => seen.push(v));
    source.next(1);
    assert.deepEqual(seen, []);
    source.next(0);
    assert.deepEqual(seen, [0, 1]);
  });

  it('errors when the source completes with a gap', async () => {
    await assert.rejects(lastValueFrom(from([0, 2]).pipe(inOrder((v) => v))), {
      message: 'inOrder: the source completed without position 1; 1 later values were never emitted.',
    });
  });

  it('passes errors through and completes on an empty source', async () => {
    const source = new Subject<number>();
    const done = lastValueFrom(source.pipe(inOrder((v) => v)));
    source.error(new Error('decode failed'));
    await assert.rejects(done, { message: 'decode failed' });
    assert.deepEqual(await lastValueFrom(from([] as number[]).pipe(inOrder((v) => v), toArray())), []);
  });
});
