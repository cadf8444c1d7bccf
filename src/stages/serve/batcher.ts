import { NUM_CLASSES, PIXELS_PER_IMAGE } from '../../dataset.js';
import type { Predictor } from '../../models/predictor.js';

/** Predicts one image: resolves to its NUM_CLASSES probabilities. */
export type PredictOne = (pixels: Uint8Array) => Promise<Float32Array>;

/**
 * Single images in, batches out. An image goes to the model at once while fewer than `inFlight`
 * batches are in flight; images that arrive meanwhile wait and go together in the next batch
 * (at most `maxBatch`). One request alone pays no wait; under load a thread is handed a batch at
 * a time, not an image at a time. A network's time per image hardly depends on the batch
 * (bench/RESULTS.md): what batching saves is the hand-offs between threads.
 */
export function batchingPredictor(predictor: Predictor, maxBatch: number, inFlight = predictor.concurrency): PredictOne {
  const waiting: { pixels: Uint8Array; resolve(probs: Float32Array): void; reject(err: unknown): void }[] = [];
  let running = 0;
  const pump = () => {
    while (running < inFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      const pixels = new Uint8Array(batch.length * PIXELS_PER_IMAGE);
      batch.forEach((item, i) => pixels.set(item.pixels, i * PIXELS_PER_IMAGE));
      running += 1;
      predictor.predictBatch(pixels, batch.length).then(
        (probs) => batch.forEach((item, i) => item.resolve(probs.slice(i * NUM_CLASSES, (i + 1) * NUM_CLASSES))),
        (err: unknown) => batch.forEach((item) => item.reject(err)),
      ).finally(() => {
        running -= 1;
        pump();
      });
    }
  };
  return (pixels) =>
    new Promise((resolve, reject) => {
      waiting.push({ pixels, resolve, reject });
      pump();
    });
}
