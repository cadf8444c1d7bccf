import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { lastValueFrom, toArray } from 'rxjs';
import { pullFrom } from '../../src/operators/pullFrom.js';

/** An endless iterable that counts how many items were asked of it, and whether it was closed. */
function counting() {
  const state = { pulled: 0, closed: false };
  async function* gen() {
    try {
      for (;;) yield state.pulled++;
    } finally {
      state.closed = true;
    }
  }
  return { state, iterable: gen() };
}

describe('pullFrom', () => {
  it('reads no more than the window ahead of what was released', async () => {
    const { state, iterable } = counting();
    const { items$, release } = pullFrom(iterable, 3);
    const seen: number[] = [];
    const sub = items$.subscribe((v) => seen.push(v));
    await tick();
    await tick();
    assert.deepEqual(seen, [0, 1, 2]);
    release(2);
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.ok(state.pulled <= 5, `pulled ${state.pulled}`);
    sub.unsubscribe();
    await tick();
    assert.equal(state.closed, true);
  });

  it('completes when the iterable ends and passes its errors on', async () => {
    async function* three() {
      yield* [1, 2, 3];
    }
    const { items$ } = pullFrom(three(), 10);
    assert.deepEqual(await lastValueFrom(items$.pipe(toArray())), [1, 2, 3]);
    async function* broken() {
      yield 1;
      throw new Error('stdin closed');
    }
    await assert.rejects(lastValueFrom(pullFrom(broken(), 10).items$), { message: 'stdin closed' });
  });

  it('rejects a window that is not a positive integer', () => {
    assert.throws(() => pullFrom([] as unknown as AsyncIterable<number>, 0), {
      message: 'Expected a positive integer for window but received 0.',
    });
  });
});
