import { Piscina } from 'piscina';
import type { BackendName } from '../../config.js';
import type { ImageBatch } from '../../operators/batchImages.js';
import type { TrainShardData, TrainShardTask } from '../../workers/trainShard.worker.js';
import { combineEvaluations, type BatchEvaluation } from '../evaluate.js';
import type { StepRunner } from '../stepRunner.js';
import type { tf } from '../tf.js';
import { adamUpdate, readAdamState, writeAdamState, type AdamState } from './flatAdam.js';
import { flatLayout, readFlatWeights, writeFlatWeights } from './flatWeights.js';
import { shardSeeds, splitBatch } from './shards.js';

export interface DataParallelOptions {
  /** the caller's model and Adam optimizer: the state starts from them and returns to them */
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** threads (each with its own wasm backend), and shards per batch */
  workers: number;
}

/**
 * Whether training on `backend` gains from `workers` data-parallel threads: a wasm backend uses
 * one core, while tfjs-node is multi-threaded already and cpu is too slow to matter.
 */
export const trainsDataParallel = (backend: BackendName, workers: number) => backend === 'wasm' && workers > 1;

/** A StepRunner over a pool of threads; `close` ends them. */
export interface DataParallelRunner extends StepRunner {
  readonly workers: number;
  close(): Promise<void>;
}

/**
 * Data-parallel training: each batch is split into `workers` shards, each thread computes its
 * shard's gradients on its own replica, and this thread averages them (weighted by image
 * count: the gradient of the whole batch's mean loss) and makes ONE Adam update, so it is the
 * same training as `inProcessRunner` up to float rounding (and dropout masks, drawn per shard).
 * BatchNorm's moving statistics are the shards' ones averaged the same way.
 *
 * The weights live here, between epochs in the caller's model and optimizer (`sync`), during
 * an epoch in flat arrays (flatAdam.ts), published to a SharedArrayBuffer after each update;
 * every task names the version it needs, so threads copy the weights once per update.
 * The state is taken from the model and optimizer at the first step, so create the runner
 * before or after restoring them for a resume.
 */
export function createDataParallelRunner(opts: DataParallelOptions): DataParallelRunner {
  const { model, optimizer, workers } = opts;
  const layout = flatLayout(model);
  const sharedFloats = (n: number) => new Float32Array(new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT));
  const shared = sharedFloats(layout.totalFloats);
  const slots = sharedFloats(workers * layout.totalFloats);
  const slot = (k: number) => slots.subarray(k * layout.totalFloats, (k + 1) * layout.totalFloats);
  const workerData: TrainShardData = { modelTopology: JSON.stringify(model.toJSON(null, false)), weights: shared, slots };
  const pool = new Piscina<TrainShardTask, BatchEvaluation>({
    filename: new URL('../../workers/trainShard.worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    workerData,
  });
  const weights = new Float32Array(layout.totalFloats);
  const grad = new Float32Array(layout.trainableFloats);
  let adam: AdamState | undefined;
  let version = 0;

  const publish = () => {
    shared.set(weights);
    version++;
  };
  const state = async (): Promise<AdamState> => {
    if (!adam) {
      readFlatWeights(model, layout, weights);
      adam = await readAdamState(optimizer, layout);
      publish();
    }
    return adam;
  };
  const run = (task: TrainShardTask) => pool.run(task, { transferList: [task.batch.pixels.buffer, task.batch.labels.buffer] as ArrayBuffer[] });

  return {
    workers,
    async step(batch, dropoutSeeds) {
      const adamState = await state();
      const shards = splitBatch(batch, workers);
      const figures = await Promise.all(
        shards.map((shard, k) => run({ kind: 'gradients', version, batch: shard, dropoutSeeds: shardSeeds(dropoutSeeds, k), slot: k })),
      );
      const shares = shards.map((s) => s.count / batch.count);
      const results = shards.map((_, k) => slot(k));
      averageInto(grad, results, shares, 0, layout.trainableFloats);
      averageInto(weights, results, shares, layout.trainableFloats, layout.totalFloats);
      adamUpdate(adamState, weights, grad);
      publish();
      return {
        loss: figures.reduce((sum, f, k) => sum + f.loss * shares[k]!, 0),
        correct: figures.reduce((sum, f) => sum + f.correct, 0),
        count: batch.count,
      };
    },
    async sync() {
      if (!adam) return;
      writeFlatWeights(model, layout, weights);
      await writeAdamState(optimizer, model, layout, adam);
    },
    async evaluate(dataset) {
      await state();
      const parts: Promise<BatchEvaluation>[] = [];
      const iterator = await dataset.iterator();
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        // a few tasks queued per thread keep them busy without building the whole set at once
        if (parts.length >= 2 * workers) await parts[parts.length - 2 * workers];
        parts.push(run({ kind: 'evaluate', version, batch: ownArrays(next.value) }));
      }
      return combineEvaluations(await Promise.all(parts));
    },
    close: () => pool.destroy(),
  };
}

/** `target[i] = sum_k shares[k] * parts[k][i]` for i in [start, end). */
function averageInto(target: Float32Array, parts: readonly Float32Array[], shares: readonly number[], start: number, end: number): void {
  const first = parts[0]!;
  const share = shares[0]!;
  for (let i = start; i < end; i++) target[i] = first[i]! * share;
  for (let k = 1; k < parts.length; k++) {
    const part = parts[k]!;
    const s = shares[k]!;
    for (let i = start; i < end; i++) target[i]! += part[i]! * s;
  }
}

/** `batch` with arrays that own their buffers, so moving them detaches nothing else. */
function ownArrays(batch: ImageBatch): ImageBatch {
  const own = <T extends Float32Array | Uint8Array>(a: T) => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T));
  return { count: batch.count, pixels: own(batch.pixels), labels: own(batch.labels) };
}
