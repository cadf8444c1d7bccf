/**
 * One interface over every trained model, so evaluate and predict need not know whether a
 * model is a tree (mljs JSON), boosted trees (XGBoost JSON) or a network (TensorFlow.js Layers
 * format).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { from, lastValueFrom, mergeMap } from 'rxjs';
import type { BackendName } from '../config.js';
import { NUM_CLASSES, PIXELS_PER_IMAGE } from '../dataset.js';
import { DataError, PipelineError } from '../errors.js';
import { readMetrics } from '../io/metrics.js';
import { sha256 } from '../io/sha256.js';
import { toUnitRange } from '../operators/normalizePixels.js';
import { initBackend } from '../tfjs/backend.js';
import { inferenceForward } from '../networks/evaluate.js';
import { loadLayersModel } from '../networks/layersFiles.js';
import { tf } from '../tfjs/tf.js';
import { flattenModel, predictProbabilities } from '../boost/predict.js';
import { MAX_MODEL_BYTES, parseXgboostJson } from '../boost/xgboostJson.js';
import { compileTreeJson } from './treeJson.js';

/** A loaded model that turns uint8 images into class probabilities. */
export interface Predictor {
  /** its name in the model registry */
  name: string;
  /** the file it was loaded from */
  path: string;
  /** `pixels`: n x 784 uint8 grey images, row-major; resolves to n x 10 probabilities */
  predictBatch(pixels: Uint8Array, n: number): Promise<Float32Array>;
  /** how many `predictBatch` calls may usefully run at once (1 unless it runs in a pool) */
  concurrency: number;
  /** frees the model's memory (tensors, worker threads); the predictor is unusable afterwards */
  dispose(): Promise<void>;
}

/** What a loader gets besides the model's name and file. */
export interface LoadOptions {
  /** where a network runs (default: the fastest backend that loads) */
  backend?: BackendName;
  /** metrics.json, where the trees and boost stages record the sha256 of each model they wrote */
  metrics: string;
}

/**
 * The bytes of model `name` at `path`, checked against the sha256 that `stage` recorded in
 * metrics.json: it writes a model before the model's entry, so a run killed in between leaves a
 * model that another run's figures describe.
 */
async function readRecordedModel(name: string, path: string, stage: string, metricsPath: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DataError(`Cannot read ${path} (${(err as Error).message}). Train it again with \`npm start -- --stage ${stage}\`.`);
  }
  const recorded = (await readMetrics(metricsPath))[name]?.modelSha256;
  if (recorded === sha256(bytes)) return bytes;
  const why = recorded === undefined
    ? `no sha256 is recorded for "${name}" (the ${stage} stage was interrupted before recording it, or an older version trained it)`
    : `the model's sha256 is not the one recorded for "${name}" (the ${stage} stage was interrupted between writing them)`;
  throw new PipelineError(`${path} and ${metricsPath} disagree: ${why}. Run \`npm start -- --stage ${stage}\` again.`);
}

/** A tree model saved in mljs JSON (ml-cart / ml-random-forest), checked against metrics.json. */
export async function loadTreePredictor(name: string, path: string, opts: LoadOptions): Promise<Predictor> {
  const bytes = await readRecordedModel(name, path, 'trees', opts.metrics);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new DataError(`Cannot parse ${path} (${(err as Error).message}). Train it again with \`npm start -- --stage trees\`.`);
  }
  const model = compileTreeJson(json, NUM_CLASSES, path);
  return {
    name,
    path,
    predictBatch: async (pixels, n) => model.predictProbabilities(pixels, n, PIXELS_PER_IMAGE),
    concurrency: 1,
    dispose: async () => undefined,
  };
}

/**
 * A gradient-boosted model saved in XGBoost JSON by the boost stage, checked against
 * metrics.json; the file's size is checked before it is read (a model's JSON is tens of MB).
 */
export async function loadBoostPredictor(name: string, path: string, opts: LoadOptions): Promise<Predictor> {
  const { size } = await stat(path).catch(() => ({ size: 0 }));
  if (size > MAX_MODEL_BYTES) {
    throw new DataError(`${path} is ${size} bytes, more than the ${MAX_MODEL_BYTES} a boosted model may be. Train it again with \`npm start -- --stage boost\`.`);
  }
  const bytes = await readRecordedModel(name, path, 'boost', opts.metrics);
  const forest = flattenModel(parseXgboostJson(bytes.toString('utf8'), path));
  if (forest.numClass !== NUM_CLASSES || forest.numFeature !== PIXELS_PER_IMAGE) {
    throw new DataError(`${path} is a model of ${forest.numClass} classes over ${forest.numFeature} features, not ${NUM_CLASSES} over ${PIXELS_PER_IMAGE}. Train it again with \`npm start -- --stage boost\`.`);
  }
  return {
    name,
    path,
    predictBatch: async (pixels, n) => Float32Array.from(predictProbabilities(forest, pixels, n)),
    concurrency: 1,
    dispose: async () => undefined,
  };
}

let backendReady: Promise<BackendName> | undefined;

/** A network saved in the TensorFlow.js Layers format (`path`: its model.json), run on `opts.backend`. */
export async function loadNetworkPredictor(name: string, path: string, opts: LoadOptions): Promise<Predictor> {
  // one backend per process: the training stages may already have set it up
  backendReady ??= initBackend(opts.backend);
  await backendReady;
  const model = await loadLayersModel(join(path, '..'));
  // the study's MLP takes [n, 28, 28] (Flatten first), the CNN [n, 28, 28, 1]
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  const forward = inferenceForward(model);
  const predictBatch = async (pixels: Uint8Array, n: number) => {
    const output = tf.tidy(() => forward.run(tf.tensor(toUnitRange(pixels.subarray(0, n * PIXELS_PER_IMAGE)), [n, ...inputShape])));
    try {
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  };
  return {
    name,
    path,
    predictBatch,
    concurrency: 1,
    dispose: async () => {
      forward.dispose();
      model.dispose();
    },
  };
}

/**
 * Probabilities for `n` images (n x 784 uint8) in batches of `batchSize`, `predictor.concurrency`
 * batches at a time, so a network never holds more than a few batches of activations;
 * `onBatch` is told how many images each finished batch had.
 */
export async function predictInBatches(
  predictor: Predictor,
  pixels: Uint8Array,
  n: number,
  batchSize: number,
  onBatch: (count: number) => void = () => undefined,
): Promise<Float32Array> {
  const out = new Float32Array(n * NUM_CLASSES);
  const starts = Array.from({ length: Math.ceil(n / batchSize) }, (_, i) => i * batchSize);
  await lastValueFrom(
    from(starts).pipe(
      mergeMap(async (start) => {
        const count = Math.min(batchSize, n - start);
        // a copy, not a view: sending a view to a worker would clone its whole underlying buffer
        const batch = pixels.slice(start * PIXELS_PER_IMAGE, (start + count) * PIXELS_PER_IMAGE);
        out.set(await predictor.predictBatch(batch, count), start * NUM_CLASSES);
        onBatch(count);
      }, predictor.concurrency),
    ),
    { defaultValue: undefined },
  );
  return out;
}
