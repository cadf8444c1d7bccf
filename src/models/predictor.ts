/**
 * One interface over every trained model, so evaluate and predict need not know whether a
 * model is a tree (mljs JSON) or a network (TensorFlow.js Layers format).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { from, lastValueFrom, mergeMap } from 'rxjs';
import type { BackendName } from '../config.js';
import { NUM_CLASSES, PIXELS_PER_IMAGE } from '../dataset.js';
import { ConfigError, DataError, PipelineError } from '../errors.js';
import { artifactPaths } from '../io/paths.js';
import { toUnitRange } from '../operators/normalizePixels.js';
import { initBackend } from './backend.js';
import { inferenceForward } from './evaluate.js';
import { loadLayersModel, MODEL_JSON } from './layersFiles.js';
import { tf } from './tf.js';
import { compileTreeJson } from './treeJson.js';

/** Every model the study trains, in the order its results table lists them. */
export const MODEL_NAMES = ['decision-tree', 'random-forest', 'mlp', 'cnn'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** A loaded model that turns uint8 images into class probabilities. */
export interface Predictor {
  name: ModelName;
  /** the file or folder it was loaded from */
  path: string;
  /** `pixels`: n x 784 uint8 grey images, row-major; resolves to n x 10 probabilities */
  predictBatch(pixels: Uint8Array, n: number): Promise<Float32Array>;
  /** how many `predictBatch` calls may usefully run at once (1 unless it runs in a pool) */
  concurrency: number;
  /** frees the model's memory (tensors, worker threads); the predictor is unusable afterwards */
  dispose(): Promise<void>;
}

/** Which stage trains each model: named in "not trained yet" messages. */
const PRODUCER: Record<ModelName, string> = { 'decision-tree': 'trees', 'random-forest': 'trees', mlp: 'mlp', cnn: 'cnn' };

/** Throws ConfigError unless `name` is one of MODEL_NAMES. */
export function checkModelName(name: string, flag?: string): ModelName {
  if (!(MODEL_NAMES as readonly string[]).includes(name)) throw new ConfigError('model', MODEL_NAMES.join(' | '), name, flag);
  return name as ModelName;
}

/** The file whose presence means `name` is trained: a tree's JSON, a network's model.json. */
export function modelFile(artifactsDir: string, name: ModelName): string {
  const dir = artifactPaths(artifactsDir).models;
  return name === 'mlp' || name === 'cnn' ? join(dir, name, MODEL_JSON) : join(dir, `${name}.json`);
}

/** The models among MODEL_NAMES that have been trained (their file exists), in table order. */
export async function trainedModels(artifactsDir: string): Promise<ModelName[]> {
  const found = await Promise.all(MODEL_NAMES.map((name) => access(modelFile(artifactsDir, name)).then(() => true, () => false)));
  return MODEL_NAMES.filter((_, i) => found[i]);
}

/** "Not trained yet" message for `name`, saying which stage trains it. */
export function missingModelMessage(artifactsDir: string, name: ModelName): string {
  return `Model "${name}" is not trained yet (no ${modelFile(artifactsDir, name)}). Run \`npm start -- --stage ${PRODUCER[name]}\` first.`;
}

/** Resolves to the model's file; PipelineError saying which stage to run when it is not trained. */
export async function checkTrained(artifactsDir: string, name: ModelName): Promise<string> {
  const path = modelFile(artifactsDir, name);
  try {
    await access(path);
  } catch {
    throw new PipelineError(missingModelMessage(artifactsDir, name));
  }
  return path;
}

/** Loads model `name` from `artifactsDir/models`; networks run on `backend` (default: the fastest that loads). */
export async function loadPredictor(artifactsDir: string, name: ModelName, backend?: BackendName): Promise<Predictor> {
  const path = await checkTrained(artifactsDir, name);
  return name === 'mlp' || name === 'cnn' ? loadNetwork(name, path, backend) : loadTrees(name, path);
}

async function loadTrees(name: ModelName, path: string): Promise<Predictor> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
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

let backendReady: Promise<BackendName> | undefined;


async function loadNetwork(name: ModelName, path: string, backend?: BackendName): Promise<Predictor> {
  // one backend per process: the training stages may already have set it up
  backendReady ??= initBackend(backend);
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
