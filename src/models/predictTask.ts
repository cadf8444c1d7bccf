/**
 * Piscina task: class probabilities for a batch of images from one saved model. Each worker
 * thread loads the model once (on its own TensorFlow.js backend: wasm runs one core per
 * thread) and keeps it for the following tasks, so N workers predict on N cores.
 */
import { move } from 'piscina';
import type { BackendName } from '../config.js';
import { PipelineError } from '../errors.js';
import type { Predictor } from './predictor.js';
import { loadPredictor, type ModelName } from './registry.js';

export interface PredictTask {
  artifactsDir: string;
  name: ModelName;
  backend: BackendName | undefined;
  /** count x 784 uint8 images */
  pixels: Uint8Array;
  count: number;
}

/** `cause` of errors meant for the user (a PipelineError's class does not survive the thread boundary). */
export const PIPELINE_ERROR_CAUSE = 'PipelineError';

let loaded: { key: string; predictor: Promise<Predictor> } | undefined;

/** Resolves to count x 10 probabilities, moved (not copied) back. */
export default async function predictBatch(task: PredictTask): Promise<Float32Array> {
  const key = `${task.artifactsDir}\n${task.name}\n${task.backend}`;
  if (loaded?.key !== key) {
    if (loaded) await (await loaded.predictor).dispose();
    loaded = { key, predictor: loadPredictor(task.artifactsDir, task.name, task.backend) };
  }
  try {
    const predictor = await loaded.predictor;
    return move(await predictor.predictBatch(task.pixels, task.count)) as Float32Array;
  } catch (err) {
    throw err instanceof PipelineError ? new Error(err.message, { cause: PIPELINE_ERROR_CAUSE }) : err;
  }
}
