/**
 * Piscina task of data-parallel training: one shard of a batch through this thread's replica
 * of the model, on its own wasm backend (wasm runs one core per thread), or one range of the
 * update that follows. Tasks are stateless: the weights to use are the shared ones of
 * `version` (the main thread counts updates), so any thread can take any task.
 */
import { workerData } from 'piscina';
import { PipelineError } from '../errors.js';
import { initBackend } from '../tfjs/backend.js';
import { evaluateBatch, inferenceForward, type BatchEvaluation, type InferenceForward } from '../networks/evaluate.js';
import { describeLayout, flatLayout, type FlatLayout } from './flatWeights.js';
import { copyFromHeap, loadWeights } from './heapWeights.js';
import { updateRange, type SharedTrainingArrays, type UpdateRange } from './sharedUpdate.js';
import type { TaskTimes } from './stepProfile.js';
import { readThreadClock, type ThreadClock } from './threadClock.js';
import { computeGradients } from '../networks/step.js';
import { tf } from '../tfjs/tf.js';
import type { ImageBatch } from '../dataset.js';

/** What every thread of the pool gets once (Piscina's workerData). */
export interface TrainShardData extends SharedTrainingArrays {
  /** the model's architecture, `JSON.stringify(model.toJSON(null, false))` */
  modelTopology: string;
  /** whether tasks report their thread's CPU and wait time (benchmarks only) */
  threadClocks: boolean;
}

/**
 * gradients: into slot `slot`, the FlatLayout with the trainable part holding the gradients of
 * the shard's mean loss and the rest the BatchNorm statistics as this shard moved them.
 * update: applies every slot to one range of the shared weights (sharedUpdate.ts).
 * evaluate: the batch in inference mode.
 */
export type TrainShardTask =
  | { kind: 'gradients'; version: number; batch: ImageBatch; dropoutSeeds: number[]; slot: number; labelSmoothing: number }
  | { kind: 'update'; range: UpdateRange }
  | { kind: 'evaluate'; version: number; batch: ImageBatch };

interface Replica {
  model: tf.LayersModel;
  layout: FlatLayout;
  /** version of the shared weights the model holds */
  version: number;
  /** the inference pass compiled from those weights (first evaluate task after a load; a load drops it) */
  forward?: InferenceForward;
}

let replica: Promise<Replica> | undefined;

async function loadReplica(data: TrainShardData): Promise<Replica> {
  await initBackend('wasm');
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

/** What a task resolves to: the figures of a shard or batch (none for an update), and the task's times (ms). */
export type TrainShardResult = Partial<BatchEvaluation> & { times: TaskTimes };

/** Resolves to the shard's (training mode) or batch's (inference mode) loss, right answers and size, with the task's times. */
export default async function trainShard(task: TrainShardTask): Promise<TrainShardResult> {
  const data = workerData as TrainShardData;
  const r = await (replica ??= loadReplica(data));
  let started = performance.now();
  const lap = () => {
    const ms = performance.now() - started;
    started += ms;
    return ms;
  };
  const clock = data.threadClocks ? readThreadClock() : undefined;
  if (task.kind === 'update') {
    updateRange(data, r.layout, task.range);
    const updateMs = lap();
    const { cpuMs: updateCpuMs, waitMs: updateWaitMs } = clockSince(clock);
    return { times: { updateMs, updateCpuMs, updateWaitMs } };
  }
  if (r.version !== task.version) {
    loadWeights(r.model, r.layout, data.weights);
    r.version = task.version;
    r.forward?.dispose();
    r.forward = undefined;
  }
  const loadMs = lap();
  if (task.kind === 'evaluate') return { ...evaluateBatch(r.model, task.batch, (r.forward ??= inferenceForward(r.model))), times: { loadMs } };
  const { grads, ...figures } = computeGradients(r.model, task.batch, task.dropoutSeeds, task.labelSmoothing);
  const gradientsMs = lap();
  // BatchNorm moved its statistics: the weights are no longer the shared version.
  r.version = -1;
  const slot = data.slots.subarray(task.slot * r.layout.totalFloats, (task.slot + 1) * r.layout.totalFloats);
  try {
    r.model.weights.forEach((w, i) => {
      const tensor = i < r.layout.trainableCount ? grads[(w.read() as tf.Variable).name]! : w.read();
      copyFromHeap(tensor, slot, r.layout.offsets[i]!);
    });
  } finally {
    tf.dispose(grads);
  }
  const copyOutMs = lap();
  const { cpuMs: gradientCpuMs, waitMs: gradientWaitMs } = clockSince(clock);
  return { ...figures, times: { loadMs, gradientsMs, copyOutMs, gradientCpuMs, gradientWaitMs } };
}

/** This thread's CPU and wait time since `start` (zeros where the clock is not readable). */
function clockSince(start: ThreadClock | undefined): ThreadClock {
  const now = start && readThreadClock();
  return now ? { cpuMs: now.cpuMs - start.cpuMs, waitMs: now.waitMs - start.waitMs } : { cpuMs: 0, waitMs: 0 };
}
