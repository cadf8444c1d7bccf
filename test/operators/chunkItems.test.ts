import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY, from, lastValueFrom, throwError, concat, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { chunkItems } from '../../src/operators/chunkItems.js';

describe('chunkItems', () => {
  it('refuses a size that is not a positive integer when created', () => {
    assert.throws(() => chunkItems(0), { name: 'RangeError', message: 'Expected a positive integer for chunk size but received 0.' });
    assert.throws(() => chunkItems(1.5), { name: 'RangeError', message: 'Expected a positive integer for chunk size but received 1.5.' });
  });

  it('numbers the chunks and gives each its start position; the last partial chunk comes out', async () => {
    const chunks = await lastValueFrom(from(['a', 'b', 'c', 'd', 'e']).pipe(chunkItems(2), toArray()));
    assert.deepEqual(chunks, [
      { index: 0, start: 0, items: ['a', 'b'] },
      { index: 1, start: 2, items: ['c', 'd'] },
      { index: 2, start: 4, items: ['e'] },
    ]);
  });

  it('emits nothing for an empty source', async () => {
    assert.deepEqual(await lastValueFrom(EMPTY.pipe(chunkItems(3), toArray())), []);
  });

  it('passes an error through', async () => {
    const source = concat(from([1, 2]), throwError(() => new Error('boom')));
    await assert.rejects(lastValueFrom(source.pipe(chunkItems(5))), { message: 'boom' });
  });

  it('emits a short final chunk when the source completes', () => {
    new TestScheduler((actual, expected) => assert.deepEqual(actual, expected)).run(({ cold, expectObservable }) => {
      const source = cold('a-b-c|');
      expectObservable(source.pipe(chunkItems(2))).toBe('--x--(y|)', {
        x: { index: 0, start: 0, items: ['a', 'b'] },
        y: { index: 1, start: 2, items: ['c'] },
      });
    });
  });
});
