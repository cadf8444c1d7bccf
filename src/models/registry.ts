/**
 * Every model the pipeline trains, in one table: its name (`--model`, file names, metrics.json
 * keys), its title, the stage that trains it, its file, how to load it, and the study's published
 * figures for it. Evaluate, predict, the report and the trees stage read this table; adding a
 * model is one entry here plus its learner and stage.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../config.js';
import { ConfigError, PipelineError } from '../errors.js';
import { artifactPaths } from '../io/paths.js';
import { sha256 } from '../io/sha256.js';
import { loadBoostPredictor, loadNetworkPredictor, loadTreePredictor, type LoadOptions, type Predictor } from './predictor.js';

export interface ModelSpec {
  /** `--model`, `models/<file>`, metrics.json's key, figure names */
  name: string;
  /** for tables and captions */
  title: string;
  /** the stage that trains it */
  stage: string;
  /** its file under `models/`; present means trained */
  file: string;
  /**
   * the file's format: a TensorFlow.js Layers model runs in the browser too (the serve stage's
   * page); the trees' mljs JSON and XGBoost JSON are predicted by the pipeline
   */
  format: 'tfjs-layers' | 'mljs-json' | 'xgboost-json';
  load(name: string, path: string, opts: LoadOptions): Promise<Predictor>;
  /**
   * what one step of its training is, when its stage draws `figures/<name>-history.png` (train
   * and valid loss and accuracy per step); false when the stage draws none
   */
  history: 'epoch' | 'round' | false;
  /** the study's published accuracies, shown beside ours; none for a model the study did not train */
  study?: { cvMean?: number; validAccuracy: number };
}

/** In the order the results table lists them. */
export const MODELS = [
  {
    name: 'decision-tree',
    title: 'Decision tree',
    stage: 'trees',
    file: 'decision-tree.json',
    format: 'mljs-json',
    load: loadTreePredictor,
    history: false,
    study: { cvMean: 0.79, validAccuracy: 0.7896 },
  },
  {
    name: 'random-forest',
    title: 'Random forest',
    stage: 'trees',
    file: 'random-forest.json',
    format: 'mljs-json',
    load: loadTreePredictor,
    history: false,
    study: { cvMean: 0.8799, validAccuracy: 0.8805 },
  },
  {
    name: 'boost',
    title: 'Gradient boosting',
    stage: 'boost',
    file: 'boost.json',
    format: 'xgboost-json',
    load: loadBoostPredictor,
    history: 'round',
  },
  {
    name: 'mlp',
    title: 'MLP',
    stage: 'mlp',
    file: 'mlp/model.json',
    format: 'tfjs-layers',
    load: loadNetworkPredictor,
    history: 'epoch',
    study: { validAccuracy: 0.8953 },
  },
  {
    name: 'cnn',
    title: 'CNN',
    stage: 'cnn',
    file: 'cnn/model.json',
    format: 'tfjs-layers',
    load: loadNetworkPredictor,
    history: 'epoch',
    study: { validAccuracy: 0.9252 },
  },
  {
    name: 'convnet',
    title: 'Convnet',
    stage: 'convnet',
    file: 'convnet/model.json',
    format: 'tfjs-layers',
    load: loadNetworkPredictor,
    history: 'epoch',
  },
] as const satisfies readonly ModelSpec[];

export type ModelName = (typeof MODELS)[number]['name'];
export const MODEL_NAMES: readonly ModelName[] = MODELS.map((m) => m.name);

/** The entry of `name`. */
export function modelSpec(name: ModelName): ModelSpec {
  return MODELS.find((m) => m.name === name)!;
}

/** The models a stage trains, in table order. */
export function modelsOfStage(stage: string): ModelName[] {
  return MODELS.filter((m) => m.stage === stage).map((m) => m.name);
}

/** Throws ConfigError unless `name` is a model of the registry. */
export function checkModelName(name: string, flag?: string): ModelName {
  if (!(MODEL_NAMES as readonly string[]).includes(name)) throw new ConfigError('model', MODEL_NAMES.join(' | '), name, flag);
  return name as ModelName;
}

/** The file whose presence means `name` is trained. */
export function modelFile(artifactsDir: string, name: ModelName): string {
  return join(artifactPaths(artifactsDir).models, modelSpec(name).file);
}

/** The models that have been trained (their file exists), in table order. */
export async function trainedModels(artifactsDir: string): Promise<ModelName[]> {
  const found = await Promise.all(MODEL_NAMES.map((name) => access(modelFile(artifactsDir, name)).then(() => true, () => false)));
  return MODEL_NAMES.filter((_, i) => found[i]);
}

/** "Not trained yet" message for `name`, saying which stage trains it. */
export function missingModelMessage(artifactsDir: string, name: ModelName): string {
  return `Model "${name}" is not trained yet (no ${modelFile(artifactsDir, name)}). Run \`npm start -- --stage ${modelSpec(name).stage}\` first.`;
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

/**
 * The sha256 of model `name`'s registry file: what a queue job names the model by. A network's
 * model.json records its weights' sha256 (checked when it loads), so its hash covers them too.
 */
export async function modelDigest(artifactsDir: string, name: ModelName): Promise<string> {
  return sha256(await readFile(await checkTrained(artifactsDir, name)));
}

/** Loads model `name` from `artifactsDir/models`; networks run on `backend` (default: the fastest that loads). */
export async function loadPredictor(artifactsDir: string, name: ModelName, backend?: BackendName): Promise<Predictor> {
  return modelSpec(name).load(name, await checkTrained(artifactsDir, name), { backend, metrics: artifactPaths(artifactsDir).metrics });
}
