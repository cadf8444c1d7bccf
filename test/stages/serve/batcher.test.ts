import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NUM_CLASSES, PIXELS_PER_IMAGE } from '../../../src/dataset.js';
import type { PooledPredictor } from '../../../src/models/pooledPredictor.js';
import type { PngSlot } from '../../../src/models/predictTask.js';
import { batchingPredictor, UndecodedUpload } from '../../../src/stages/serve/batcher.js';

/**
 * A predictor of `concurrency` threads whose batches finish when the test says; image i's
 * probabilities are all its first pixel. Its "PNGs" decode to their first byte, and fail when
 * that is 0.
 */
function manualPredictor(concurrency: number) {
  const batches: { n: number; pngs: PngSlot[]; finish(err?: Error): void }[] = [];
  const predictor: Pick<PooledPredictor, 'concurrency' | 'predictWithPngs'> = {
    concurrency,
    predictWithPngs: (pixels, n, pngs) =>
      new Promise((resolve, reject) => {
        batches.push({
          n,
          pngs,
          finish: (err) => {
            if (err) return reject(err);
            const failed = pngs.filter((p) => p.bytes[0] === 0).map((p) => ({ slot: p.slot, message: `${p.name}: cannot decode` }));
            for (const p of pngs) pixels[p.slot * PIXELS_PER_IMAGE] = p.bytes[0]!;
            const probs = new Float32Array(n * NUM_CLASSES);
            for (let i = 0; i < n; i++) probs.fill(pixels[i * PIXELS_PER_IMAGE]!, i * NUM_CLASSES, (i + 1) * NUM_CLASSES);
            resolve({ probs, failed });
          },
        });
      }),
  };
  return { predictor, batches };
}

const image = (v: number) => ({ pixels: new Uint8Array(PIXELS_PER_IMAGE).fill(v) });
const png = (v: number) => ({ png: Uint8Array.of(v), name: `${v}.png` });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('batchingPredictor', () => {
  it('sends an image at once while a thread is free, and those that wait together, each answered with its own row', async () => {
    const { predictor, batches } = manualPredictor(1);
    const predictOne = batchingPredictor(predictor, 3);
    const answers = [1, 2, 3, 4, 5, 6, 7].map((v) => predictOne(image(v)));
    await tick();
    assert.deepEqual(batches.map((b) => b.n), [1]);
    batches[0]!.finish();
    await tick();
    batches[1]!.finish();
    await tick();
    batches[2]!.finish();
    assert.deepEqual(batches.map((b) => b.n), [1, 3, 3]);
    assert.deepEqual((await Promise.all(answers)).map((p) => [...p]), [1, 2, 3, 4, 5, 6, 7].map((v) => new Array(NUM_CLASSES).fill(v)));
  });

  it('keeps every thread busy: two threads take the first two images alone', async () => {
    const { predictor, batches } = manualPredictor(2);
    const predictOne = batchingPredictor(predictor, 500);
    const answers = [1, 2, 3, 4, 5].map((v) => predictOne(image(v)));
    await tick();
    assert.deepEqual(batches.map((b) => b.n), [1, 1]);
    batches[1]!.finish();
    await tick();
    assert.deepEqual(batches.map((b) => b.n), [1, 1, 3]);
    batches[0]!.finish();
    batches[2]!.finish();
    assert.deepEqual((await Promise.all(answers)).map((p) => p[0]), [1, 2, 3, 4, 5]);
  });

  it("fails only the failed batch's images; the next batch runs", async () => {
    const { predictor, batches } = manualPredictor(1);
    const predictOne = batchingPredictor(predictor, 10);
    const first = predictOne(image(1));
    const waiting = [predictOne(image(2)), predictOne(image(3))];
    await tick();
    batches[0]!.finish(new Error('model file damaged'));
    await assert.rejects(first, { message: 'model file damaged' });
    await tick();
    batches[1]!.finish();
    assert.deepEqual((await Promise.all(waiting)).map((p) => p[0]), [2, 3]);
  });

  it('sends PNG uploads with their slots, and fails only an upload whose PNG does not decode', async () => {
    const { predictor, batches } = manualPredictor(1);
    const predictOne = batchingPredictor(predictor, 10);
    const first = predictOne(image(1));
    const waiting = [predictOne(png(2)), predictOne(image(3)), predictOne(png(0)), predictOne(png(5))];
    await tick();
    batches[0]!.finish();
    await tick();
    assert.deepEqual(batches[1]!.pngs.map((p) => [p.slot, p.name]), [[0, '2.png'], [2, '0.png'], [3, '5.png']]);
    batches[1]!.finish();
    assert.equal((await first)[0], 1);
    const settled = await Promise.allSettled(waiting);
    assert.deepEqual(settled.map((s) => (s.status === 'fulfilled' ? s.value[0] : 'failed')), [2, 3, 'failed', 5]);
    const failure = settled[2] as PromiseRejectedResult;
    assert.ok(failure.reason instanceof UndecodedUpload);
    assert.equal(failure.reason.message, '0.png: cannot decode');
  });
});
