import { readEvaluation } from '../../io/evaluation.js';
import { fileStamp } from '../../io/fileStamp.js';
import { artifactPaths } from '../../io/paths.js';
import type { PooledPredictor } from '../../models/pooledPredictor.js';
import { MODELS, trainedModels, type ModelName, type ModelSpec } from '../../models/registry.js';
import { batchingPredictor, type PredictOne } from './batcher.js';

/** A trained model as `GET /api/models` lists it. */
export interface ServedModel {
  name: ModelName;
  title: string;
  format: ModelSpec['format'];
  /** where its file is served (a Layers model's weights sit beside its model.json) */
  url: string;
  /** from `evaluate`; null before it has run */
  validAccuracy: number | null;
}

/** `GET /api/models`: the trained models in table order, and the one to use by default. */
export interface ModelList {
  models: ServedModel[];
  /** the best by validation accuracy (`evaluate`); before that, the first trained network, else the first trained model */
  best: ModelName | null;
}

/** Where the serve stage serves the files of `models/`. */
export const MODELS_URL = '/models/';

/** The trained models of `artifactsDir`, read afresh (a stage may have trained one since). */
export async function listModels(artifactsDir: string): Promise<ModelList> {
  const [trained, evaluation] = await Promise.all([trainedModels(artifactsDir), readEvaluation(artifactsDir)]);
  const models = MODELS.filter((m) => trained.includes(m.name)).map((m): ServedModel => ({
    name: m.name,
    title: m.title,
    format: m.format,
    url: MODELS_URL + m.file,
    validAccuracy: evaluation?.table.find((row) => row.model === m.name)?.validAccuracy ?? null,
  }));
  const fallback = models.find((m) => m.format === 'tfjs-layers') ?? models[0];
  const best = evaluation && trained.includes(evaluation.best) ? evaluation.best : (fallback?.name ?? null);
  return { models, best };
}

/**
 * listModels, read again only when metrics.json or the models folder changes: a request that
 * names no model then costs two stats, not metrics.json parsed and every model file looked for.
 * A model trained for the first time renames its file, or its folder's first file, into the
 * models folder, and every training stage then records its figures in metrics.json.
 */
export function modelListReader(artifactsDir: string): () => Promise<ModelList> {
  const { metrics, models } = artifactPaths(artifactsDir);
  let last: { stamp: string; list: Promise<ModelList> } | undefined;
  return async () => {
    const stamp = await fileStamp([metrics, models]);
    if (last?.stamp !== stamp) last = { stamp, list: listModels(artifactsDir) };
    return last.list;
  };
}

/** Each model's batching predictor, loaded on its first request and kept until `dispose`. */
export interface PredictorCache {
  get(name: ModelName): Promise<PredictOne>;
  dispose(): Promise<void>;
}

/**
 * A cache over `load`; a load that fails (the model is not trained yet) is tried again next time.
 * Each model keeps `batchesPerThread` batches in flight per thread of its predictor.
 */
export function predictorCache(load: (name: ModelName) => Promise<PooledPredictor>, maxBatch: number, batchesPerThread: number): PredictorCache {
  // one batching queue per model, shared by every request for it
  const loaded = new Map<ModelName, Promise<{ predictor: PooledPredictor; predictOne: PredictOne }>>();
  return {
    async get(name) {
      let entry = loaded.get(name);
      if (!entry) {
        entry = load(name).then((predictor) => ({ predictor, predictOne: batchingPredictor(predictor, maxBatch, predictor.concurrency * batchesPerThread) }));
        loaded.set(name, entry);
        entry.catch(() => loaded.delete(name));
      }
      return (await entry).predictOne;
    },
    async dispose() {
      const all = await Promise.allSettled(loaded.values());
      loaded.clear();
      await Promise.all(all.map((p) => (p.status === 'fulfilled' ? p.value.predictor.dispose() : undefined)));
    },
  };
}
