import { NUM_CLASSES, PIXELS_PER_IMAGE } from '../../dataset.js';
import type { PooledPredictor } from '../../models/pooledPredictor.js';
import type { PngSlot } from '../../models/predictTask.js';

/** One upload to predict: framed pixels (784 uint8), or a PNG in the dataset's format, framed by the predictor thread. */
export type Upload = { pixels: Uint8Array } | { png: Uint8Array; name: string };

/** Predicts one upload: resolves to its NUM_CLASSES probabilities, or rejects with UndecodedUpload. */
export type PredictOne = (upload: Upload) => Promise<Float32Array>;

/** An upload's PNG that the predictor thread could not decode; the message names it and says what to do. */
export class UndecodedUpload extends Error {}

/**
 * Single uploads in, batches out. An upload goes to the model at once while fewer than
 * `inFlight` batches are in flight; uploads that arrive meanwhile wait and go together in the
 * next batch (at most `maxBatch`). One request alone pays no wait; under load a thread is handed
 * a batch at a time, not an image at a time. A network's time per image hardly depends on the
 * batch (bench/RESULTS.md): what batching saves is the hand-offs between threads.
 */
export function batchingPredictor(predictor: Pick<PooledPredictor, 'concurrency' | 'predictWithPngs'>, maxBatch: number, inFlight = predictor.concurrency): PredictOne {
  const waiting: { upload: Upload; resolve(probs: Float32Array): void; reject(err: unknown): void }[] = [];
  let running = 0;
  const pump = () => {
    while (running < inFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      const pixels = new Uint8Array(batch.length * PIXELS_PER_IMAGE);
      const pngs: PngSlot[] = [];
      batch.forEach(({ upload }, slot) => {
        if ('png' in upload) pngs.push({ slot, bytes: upload.png, name: upload.name });
        else pixels.set(upload.pixels, slot * PIXELS_PER_IMAGE);
      });
      running += 1;
      predictor.predictWithPngs(pixels, batch.length, pngs).then(
        ({ probs, failed }) => {
          const why = new Map(failed.map((f) => [f.slot, f.message]));
          batch.forEach((item, slot) => {
            const message = why.get(slot);
            if (message === undefined) item.resolve(probs.slice(slot * NUM_CLASSES, (slot + 1) * NUM_CLASSES));
            else item.reject(new UndecodedUpload(message));
          });
        },
        (err: unknown) => batch.forEach((item) => item.reject(err)),
      ).finally(() => {
        running -= 1;
        pump();
      });
    }
  };
  return (upload) =>
    new Promise((resolve, reject) => {
      waiting.push({ upload, resolve, reject });
      pump();
    });
}
