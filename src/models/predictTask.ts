/**
 * Piscina task: class probabilities for a batch of images from one saved model. Each worker
 * thread loads the model once (on its own TensorFlow.js backend: wasm runs one core per
 * thread) and keeps it for the following tasks, so N workers predict on N cores.
 */
import type { BackendName } from '../config.js';
import { PIXELS_PER_IMAGE } from '../dataset.js';
import { PipelineError } from '../errors.js';
import { frameDatasetPng } from '../images/datasetPng.js';
import type { Predictor } from './predictor.js';
import { loadPredictor, type ModelName } from './registry.js';

export interface PredictTask {
  artifactsDir: string;
  name: ModelName;
  backend: BackendName | undefined;
  /** count x 784 uint8 images */
  pixels: Uint8Array;
  count: number;
  /**
   * Images of the batch still in the dataset's own format (28x28 8-bit grey PNG), decoded and
   * framed here into their slots of `pixels`. The serve stage's uploads in that format skip the
   * decode pool: a round trip between threads costs far more than their decode.
   */
  pngs: PngSlot[];
}

/** An image of a batch as PNG bytes, with the name its error shows. */
export interface PngSlot {
  slot: number;
  bytes: Uint8Array;
  name: string;
}

export interface PredictResult {
  /** count x 10 probabilities */
  probs: Float32Array;
  /** the PNGs that did not decode, with why; their slots hold a blank image's probabilities */
  failed: { slot: number; message: string }[];
}

/** `cause` of errors meant for the user (a PipelineError's class does not survive the thread boundary). */
export const PIPELINE_ERROR_CAUSE = 'PipelineError';

let loaded: { key: string; predictor: Promise<Predictor> } | undefined;

export default async function predictBatch(task: PredictTask): Promise<PredictResult> {
  const key = `${task.artifactsDir}\n${task.name}\n${task.backend}`;
  if (loaded?.key !== key) {
    if (loaded) await (await loaded.predictor).dispose();
    loaded = { key, predictor: loadPredictor(task.artifactsDir, task.name, task.backend) };
  }
  const failed: PredictResult['failed'] = [];
  for (const { slot, bytes, name } of task.pngs) {
    try {
      task.pixels.set(frameDatasetPng(bytes, name), slot * PIXELS_PER_IMAGE);
    } catch (err) {
      failed.push({ slot, message: (err as Error).message });
    }
  }
  try {
    const predictor = await loaded.predictor;
    return { probs: await predictor.predictBatch(task.pixels, task.count), failed };
  } catch (err) {
    throw err instanceof PipelineError ? new Error(err.message, { cause: PIPELINE_ERROR_CAUSE }) : err;
  }
}
