import type { BackendName } from '../config.js';
import { PipelineError } from '../errors.js';
import { PIPELINE_ERROR_CAUSE, type PngSlot, type PredictResult, type PredictTask } from './predictTask.js';
import type { Predictor } from './predictor.js';
import { checkTrained, type ModelName } from './registry.js';
import { WorkerPool } from '../workerPool.js';

/**
 * Batches each thread may hold: the one it runs and the next, queued inside the thread, which
 * starts as soon as the first ends instead of after a round trip through the main thread. Small
 * batches (the serve stage's) gain from it; `concurrency` stays one batch per thread.
 */
export const TASKS_PER_THREAD = 2;

/** A Predictor whose batches may hold images still as PNG bytes (PredictTask.pngs). */
export interface PooledPredictor extends Predictor {
  predictWithPngs(pixels: Uint8Array, count: number, pngs: PngSlot[]): Promise<PredictResult>;
}

/**
 * A Predictor whose batches run in `workers` threads, each with its own copy of the model and
 * its own backend, so up to `workers` batches are predicted at once (`concurrency`). A model
 * that is not trained fails here, before any thread starts; each thread loads the model on its
 * first batch (this thread never does: a forest's JSON can be 60 MB), and a damaged model
 * fails that batch with the loader's PipelineError message.
 */
export async function loadPooledPredictor(
  artifactsDir: string,
  name: ModelName,
  opts: { workers: number; backend?: BackendName },
): Promise<PooledPredictor> {
  const path = await checkTrained(artifactsDir, name);
  const pool = new WorkerPool<PredictTask, PredictResult>({
    filename: new URL('../workers/predict.worker.js', import.meta.url).href,
    minThreads: opts.workers,
    maxThreads: opts.workers,
    concurrentTasksPerWorker: TASKS_PER_THREAD,
  });
  const predictWithPngs = (pixels: Uint8Array, count: number, pngs: PngSlot[]) =>
    pool.run({ artifactsDir, name, backend: opts.backend, pixels, count, pngs }).catch((err: Error) => {
      // the error's class is lost crossing the thread boundary; its cause marks a user error
      throw err.cause === PIPELINE_ERROR_CAUSE ? new PipelineError(err.message) : err;
    });
  return {
    name,
    path,
    concurrency: opts.workers,
    predictWithPngs,
    predictBatch: async (pixels, count) => (await predictWithPngs(pixels, count, [])).probs,
    dispose: () => pool.destroy(),
  };
}
