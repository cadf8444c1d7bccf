import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY, from, lastValueFrom, Subject, toArray } from 'rxjs';
import { chunkItems, type Chunk } from '../../src/operators/chunkItems.js';
import { decodeInPool } from '../../src/operators/decodeInPool.js';

/** A fake decoder whose calls finish when the test says so: each item becomes one byte. */
function controlledDecoder() {
  const pending: { items: number[]; finish: () => void }[] = [];
  const decode = (items: number[]) =>
    new Promise<Uint8Array>((resolve) => pending.push({ items, finish: () => resolve(Uint8Array.from(items)) }));
  return { decode, pending };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('decodeInPool', () => {
  it('refuses a concurrency that is not a positive integer when created', () => {
    assert.throws(() => decodeInPool(async () => new Uint8Array(0), 0), {
      name: 'RangeError',
      message: 'Expected a positive integer for concurrency but received 0.',
    });
  });

  it('pairs each chunk with its pixels, never running more than `concurrency` decodes', async () => {
    const { decode, pending } = controlledDecoder();
    const done = lastValueFrom(from([0, 1, 2, 3, 4]).pipe(chunkItems(2), decodeInPool(decode, 2), toArray()));
    await tick();
    assert.deepEqual(pending.map((p) => p.items), [[0, 1], [2, 3]]); // the third waits for a free slot
    pending[1]!.finish();
    await tick();
    assert.deepEqual(pending.map((p) => p.items), [[0, 1], [2, 3], [4]]);
    pending[2]!.finish();
    pending[0]!.finish();
    const out = await done;
    assert.deepEqual(out.map((c) => c.start), [2, 4, 0]); // completion order, not source order
    for (const c of out) assert.deepEqual([...c.pixels], c.items);
  });

  it('completes without calling decode for an empty source', async () => {
    let calls = 0;
    const decode = async () => {
      calls += 1;
      return new Uint8Array(0);
    };
    assert.deepEqual(await lastValueFrom(EMPTY.pipe(decodeInPool(decode, 2), toArray())), []);
    assert.equal(calls, 0);
  });

  it('errors the stream when a decode fails', async () => {
    const decode = async (items: string[]) => {
      if (items.includes('bad.png')) throw new Error('Cannot decode bad.png');
      return new Uint8Array(items.length);
    };
    const chunks: Chunk<string>[] = [{ index: 0, start: 0, items: ['a.png'] }, { index: 1, start: 1, items: ['bad.png'] }];
    await assert.rejects(lastValueFrom(from(chunks).pipe(decodeInPool(decode, 1))), { message: 'Cannot decode bad.png' });
  });

  it('stops taking chunks when unsubscribed', async () => {
    const { decode, pending } = controlledDecoder();
    const source = new Subject<Chunk<number>>();
    let emitted = 0;
    const sub = source.pipe(decodeInPool(decode, 1)).subscribe(() => (emitted += 1));
    source.next({ index: 0, start: 0, items: [1] });
    sub.unsubscribe();
    assert.equal(source.observed, false);
    pending[0]!.finish();
    await tick();
    assert.equal(emitted, 0);
  });
});
