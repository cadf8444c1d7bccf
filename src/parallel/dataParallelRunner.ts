import type { BackendName } from '../config.js';
import type { ImageBatch } from '../dataset.js';
import type { TrainShardData, TrainShardResult, TrainShardTask } from './shardTask.js';
import { combineEvaluations, type BatchEvaluation, type Evaluation } from '../networks/evaluate.js';
import type { StepRunner } from '../networks/stepRunner.js';
import { PipelineError } from '../errors.js';
import type { tf } from '../tfjs/tf.js';
import { readAdamState, writeAdamState, type AdamSettings } from './flatAdam.js';
import { describeLayout, flatLayout, readFlatWeights, writeFlatWeights } from './flatWeights.js';
import { shardSeeds, splitBatch } from './shards.js';
import { allocateSharedArrays, splitRanges } from './sharedUpdate.js';
import { addTaskTimes, emptyProfile, type StepProfile } from './stepProfile.js';
import { WorkerPool } from '../workerPool.js';

export interface DataParallelOptions {
  /** the caller's model and Adam optimizer: the state starts from them and returns to them */
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** threads (each with its own wasm backend), and shards per batch */
  workers: number;
  /**
   * Each task also reads its thread's CPU and run-queue time (threadClock.ts: two reads of a
   * /proc file per task) for `takeProfile`; benchmarks turn it on, training leaves it off.
   */
  threadClocks?: boolean;
}

/**
 * Whether training on `backend` gains from `workers` data-parallel threads: a wasm backend uses
 * one core, while tfjs-node is multi-threaded already and cpu is too slow to matter.
 */
export const trainsDataParallel = (backend: BackendName, workers: number) => backend === 'wasm' && workers > 1;

/** A StepRunner over a pool of threads; `close` ends them. */
export interface DataParallelRunner extends StepRunner {
  readonly workers: number;
  /**
   * Loss and accuracy of `other` (a model of the same architecture, e.g. the best checkpoint)
   * over `dataset`, in inference mode on the threads. The training state goes back to the
   * caller's model and optimizer first (as `sync`), and the next step starts again from them.
   */
  evaluateModel(other: tf.LayersModel, dataset: tf.data.Dataset<ImageBatch>): Promise<Evaluation>;
  /** where the steps' time went since the runner started or the last `takeProfile` */
  takeProfile(): StepProfile;
  close(): Promise<void>;
}

/**
 * Data-parallel training: each batch is split into `workers` shards, each thread computes its
 * shard's gradients on its own replica, and the average of those (weighted by image count: the
 * gradient of the whole batch's mean loss) makes ONE Adam update, so it is the same training as
 * `inProcessRunner` up to float rounding (and dropout masks, drawn per shard). BatchNorm's
 * moving statistics are the shards' ones averaged the same way.
 *
 * During an epoch the weights and Adam moments live in a shared WebAssembly memory; the
 * threads apply the update too, each to its own range of them (sharedUpdate.ts), so this
 * thread only deals out tasks. Every task names the weights' version it needs, so a thread copies them into its
 * replica once per update. At each epoch's end `sync` hands the state back to the model and
 * optimizer, where checkpoints and resume state are taken from as before. The state is taken
 * from them at the first step, so the runner may be created before a resume restores them.
 */
export function createDataParallelRunner(opts: DataParallelOptions): DataParallelRunner {
  const { model, optimizer, workers, threadClocks = false } = opts;
  const layout = flatLayout(model);
  const data: TrainShardData = {
    modelTopology: JSON.stringify(model.toJSON(null, false)),
    threadClocks,
    ...allocateSharedArrays(layout, workers),
  };
  const pool = new WorkerPool<TrainShardTask, TrainShardResult>({
    filename: new URL('../workers/trainShard.worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    workerData: data,
  });
  const ranges = splitRanges(layout.totalFloats, workers);
  let adam: AdamSettings | undefined;
  let version = 0;
  let profile = emptyProfile();

  const start = async (): Promise<AdamSettings> => {
    if (!adam) {
      readFlatWeights(model, layout, data.weights);
      const { m, v, ...settings } = await readAdamState(optimizer, layout);
      data.m.set(m);
      data.v.set(v);
      adam = settings;
      version++; // the threads may hold other weights of the current version (evaluateModel)
    }
    return adam;
  };
  const run = async (task: TrainShardTask) => addTaskTimes(profile, (await pool.run(task)).times);
  const runBatch = async (task: TrainShardTask & { batch: ImageBatch }): Promise<BatchEvaluation> => {
    const { times, ...figures } = await pool.run(task, { transferList: [task.batch.pixels.buffer, task.batch.labels.buffer] as ArrayBuffer[] });
    if (task.kind === 'gradients') addTaskTimes(profile, times);
    return figures as BatchEvaluation;
  };

  const sync = async () => {
    if (!adam) return;
    writeFlatWeights(model, layout, data.weights);
    await writeAdamState(optimizer, model, layout, { ...adam, m: data.m, v: data.v });
  };
  /** The dataset's batches through the threads' replicas holding the shared weights. */
  const evaluateShared = async (dataset: tf.data.Dataset<ImageBatch>): Promise<Evaluation> => {
    const parts: Promise<BatchEvaluation>[] = [];
    const iterator = await dataset.iterator();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      // a few tasks queued per thread keep them busy without building the whole set at once
      if (parts.length >= 2 * workers) await parts[parts.length - 2 * workers];
      const part = runBatch({ kind: 'evaluate', version, batch: ownArrays(next.value) });
      // awaited with the others below; this keeps an early failure from being an unhandled rejection meanwhile
      part.catch(() => {});
      parts.push(part);
    }
    return combineEvaluations(await Promise.all(parts));
  };

  return {
    workers,
    async step(batch, dropoutSeeds, stepSettings) {
      const settings = await start();
      if (stepSettings) {
        settings.learningRate = stepSettings.learningRate;
        settings.weightDecay = stepSettings.weightDecay;
      }
      const started = performance.now();
      const shards = splitBatch(batch, workers);
      const dealt = performance.now();
      const figures = await Promise.all(
        shards.map((shard, k) =>
          runBatch({ kind: 'gradients', version, batch: shard, dropoutSeeds: shardSeeds(dropoutSeeds, k), slot: k, labelSmoothing: stepSettings?.labelSmoothing ?? 0 })),
      );
      const gradientsDone = performance.now();
      const shares = shards.map((s) => s.count / batch.count);
      await Promise.all(ranges.map((range) => run({ kind: 'update', range: { ...range, shares, adam: settings } })));
      settings.iterations++;
      version++;
      const done = performance.now();
      profile.steps++;
      profile.stepMs += done - started;
      profile.gradientPhaseMs += gradientsDone - dealt;
      profile.updatePhaseMs += done - gradientsDone;
      return {
        loss: figures.reduce((sum, f, k) => sum + f.loss * shares[k]!, 0),
        correct: figures.reduce((sum, f) => sum + f.correct, 0),
        count: batch.count,
      };
    },
    sync,
    async evaluate(dataset) {
      await start();
      return evaluateShared(dataset);
    },
    async evaluateModel(other, dataset) {
      const otherLayout = flatLayout(other);
      if (describeLayout(otherLayout) !== describeLayout(layout)) {
        throw new PipelineError(
          `Cannot evaluate a model with weights ${describeLayout(otherLayout)} on threads training weights ${describeLayout(layout)}: ` +
            'evaluate it with evaluateDataset instead.',
        );
      }
      await sync();
      adam = undefined;
      readFlatWeights(other, layout, data.weights);
      version++;
      return evaluateShared(dataset);
    },
    takeProfile() {
      const taken = profile;
      profile = emptyProfile();
      return taken;
    },
    close: () => pool.destroy(),
  };
}

/** `batch` with arrays that own their buffers, so moving them detaches nothing else. */
function ownArrays(batch: ImageBatch): ImageBatch {
  const own = <T extends Float32Array | Uint8Array>(a: T) => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T));
  return { count: batch.count, pixels: own(batch.pixels), labels: own(batch.labels) };
}
