/**
 * Piscina task of data-parallel training: one shard of a batch through this thread's replica
 * of the model, on its own TensorFlow.js backend (wasm runs one core per thread). Tasks are
 * stateless: the weights to use are the shared ones of `version`, published by the main thread
 * after each update, so any thread can take any task.
 */
import { move, workerData } from 'piscina';
import type { BackendName } from '../config.js';
import { PipelineError } from '../errors.js';
import { initBackend } from '../models/backend.js';
import { evaluateBatch, type BatchEvaluation } from '../models/evaluate.js';
import { describeLayout, flatLayout, readFlatWeights, writeFlatWeights, type FlatLayout } from '../models/parallel/flatWeights.js';
import { computeGradients } from '../models/step.js';
import { tf } from '../models/tf.js';
import type { ImageBatch } from '../operators/batchImages.js';

/** What every thread of the pool gets once (Piscina's workerData). */
export interface TrainShardData {
  backend: BackendName;
  /** the model's architecture, `JSON.stringify(model.toJSON(null, false))` */
  modelTopology: string;
  /** the current weights, FlatLayout order */
  weights: Float32Array;
}

/** Gradients of a shard in training mode, or loss and right answers in inference mode. */
export type TrainShardTask =
  | { kind: 'gradients'; version: number; batch: ImageBatch; dropoutSeeds: number[] }
  | { kind: 'evaluate'; version: number; batch: ImageBatch };

/** Trailing floats of a gradients result, after the FlatLayout part: loss, right answers, images. */
const SHARD_FIGURES = 3;

interface Replica {
  model: tf.LayersModel;
  layout: FlatLayout;
  /** version of the shared weights the model holds */
  version: number;
}

let replica: Promise<Replica> | undefined;

async function loadReplica(data: TrainShardData): Promise<Replica> {
  await initBackend(data.backend);
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(data.modelTopology) });
  const layout = flatLayout(model);
  if (layout.totalFloats !== data.weights.length) {
    throw new PipelineError(
      `The model rebuilt in a training thread has ${layout.totalFloats} weights (${describeLayout(layout)}) ` +
        `but ${data.weights.length} were shared. Train with --workers 1 and report this.`,
    );
  }
  return { model, layout, version: -1 };
}

/**
 * gradients: resolves to one Float32Array (moved), laid out as the FlatLayout with the
 * trainable part holding the gradients of the shard's mean loss and the rest the BatchNorm
 * statistics as this shard moved them, then the shard's loss, right answers and image count.
 * evaluate: resolves to the batch's figures.
 */
export default async function trainShard(task: TrainShardTask): Promise<Float32Array | BatchEvaluation> {
  const data = workerData as TrainShardData;
  const r = await (replica ??= loadReplica(data));
  if (r.version !== task.version) {
    writeFlatWeights(r.model, r.layout, data.weights);
    r.version = task.version;
  }
  if (task.kind === 'evaluate') return evaluateBatch(r.model, task.batch);
  const { grads, loss, correct, count } = computeGradients(r.model, task.batch, task.dropoutSeeds);
  // BatchNorm moved its statistics: the weights are no longer the shared version.
  r.version = -1;
  const out = new Float32Array(r.layout.totalFloats + SHARD_FIGURES);
  try {
    r.model.trainableWeights.forEach((w, i) => out.set(grads[(w.read() as tf.Variable).name]!.dataSync() as Float32Array, r.layout.offsets[i]));
  } finally {
    tf.dispose(grads);
  }
  readFlatWeights(r.model, r.layout, out, r.layout.trainableCount);
  out.set([loss, correct, count], r.layout.totalFloats);
  return move(out) as Float32Array;
}
