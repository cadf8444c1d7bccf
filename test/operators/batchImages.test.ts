import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, Subject, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { batchImages, toBatch, type LabeledImage } from '../../src/operators/batchImages.js';
import type { ImageBatch } from '../../src/dataset.js';

const image = (value: number, label: number): LabeledImage => ({ pixels: Float32Array.of(value, value), label });

describe('toBatch', () => {
  it('stacks pixels row after row and keeps labels in order', () => {
    const batch = toBatch([image(0.1, 4), image(0.5, 9)]);
    assert.equal(batch.count, 2);
    assert.deepEqual(Array.from(batch.pixels), Array.from(Float32Array.of(0.1, 0.1, 0.5, 0.5)));
    assert.deepEqual(Array.from(batch.labels), [4, 9]);
  });

  it('names the image whose size differs', () => {
    assert.throws(() => toBatch([image(0, 1), { pixels: new Float32Array(3), label: 2 }]), {
      name: 'DataError',
      message:
        'Cannot batch images of different sizes: image 1 has 3 pixels, image 0 has 2. Resize every image to the same shape first.',
    });
  });
});

describe('batchImages', () => {
  it('refuses a batch size that is not a positive integer when created', () => {
    assert.throws(() => batchImages(0), { message: 'Expected a positive integer for batchSize but received 0.' });
    assert.throws(() => batchImages(2.5), { message: 'Expected a positive integer for batchSize but received 2.5.' });
  });

  it('emits full batches and a short final batch', async () => {
    const batches = await lastValueFrom(from([1, 2, 3, 4, 5].map((v) => image(v, v))).pipe(batchImages(2), toArray()));
    assert.deepEqual(
      batches.map((b) => Array.from(b.labels)),
      [[1, 2], [3, 4], [5]],
    );
  });

  it('emits nothing for an empty source', async () => {
    assert.deepEqual(await lastValueFrom(from([] as LabeledImage[]).pipe(batchImages(3), toArray())), []);
  });

  it('emits the partial batch when the source completes (marbles)', () => {
    const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
    scheduler.run(({ cold, expectObservable }) => {
      const src = cold('a-b-c|', { a: image(0, 0), b: image(0, 1), c: image(0, 2) });
      expectObservable(src.pipe(batchImages(2))).toBe('--x--(y|)', {
        x: toBatch([image(0, 0), image(0, 1)]),
        y: toBatch([image(0, 2)]),
      });
    });
  });

  it('stops buffering when unsubscribed', () => {
    const source = new Subject<LabeledImage>();
    const seen: ImageBatch[] = [];
    const sub = source.pipe(batchImages(2)).subscribe((b) => seen.push(b));
    source.next(image(0, 1));
    sub.unsubscribe();
    source.next(image(0, 2));
    assert.equal(seen.length, 0);
    assert.equal(source.observed, false);
  });

  it('passes errors through', async () => {
    const source = new Subject<LabeledImage>();
    const done = lastValueFrom(source.pipe(batchImages(2), toArray()));
    source.next(image(0, 1));
    source.error(new Error('bad image'));
    await assert.rejects(done, { message: 'bad image' });
  });
});
