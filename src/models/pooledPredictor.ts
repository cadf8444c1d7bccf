import { Piscina } from 'piscina';
import type { BackendName } from '../config.js';
import type { PredictTask } from '../workers/predict.worker.js';
import { loadPredictor, type ModelName, type Predictor } from './predictor.js';

/**
 * A Predictor whose batches run in `workers` threads, each with its own copy of the model and
 * its own backend, so up to `workers` batches are predicted at once (`concurrency`). The model
 * is loaded once in this thread first: a missing or damaged model fails here, with its message,
 * before any thread starts.
 */
export async function loadPooledPredictor(
  artifactsDir: string,
  name: ModelName,
  opts: { workers: number; backend?: BackendName },
): Promise<Predictor> {
  const probe = await loadPredictor(artifactsDir, name, opts.backend);
  await probe.dispose();
  const pool = new Piscina<PredictTask, Float32Array>({
    filename: new URL('../workers/predict.worker.js', import.meta.url).href,
    minThreads: opts.workers,
    maxThreads: opts.workers,
  });
  return {
    name,
    path: probe.path,
    concurrency: opts.workers,
    predictBatch: (pixels, count) => pool.run({ artifactsDir, name, backend: opts.backend, pixels, count }),
    dispose: () => pool.destroy(),
  };
}
