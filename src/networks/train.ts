import type { ImageBatch } from '../dataset.js';
import { SEED_RANGE, type Rng } from '../random.js';
import { INITIAL_EARLY_STOPPING, observeValLoss, type EarlyStoppingState } from './earlyStopping.js';
import type { StepSettings } from './schedule.js';
import { dropoutLayerCount } from './step.js';
import { inProcessRunner, type StepRunner } from './stepRunner.js';
import { tf } from '../tfjs/tf.js';

/** Per-epoch figures, Keras's names; `epoch` is 1-based and `seconds` includes validation. */
export interface History {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
  seconds: number[];
}

/** One epoch's figures. */
export interface EpochLogs {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
  seconds: number;
}

/** Everything besides weights and optimizer state that a resumed run needs (plain JSON). */
export interface TrainProgress {
  epochsDone: number;
  history: History;
  earlyStopping: EarlyStoppingState;
  /** state of the RNG shared by shuffles and dropout, after the last finished epoch */
  rngState: number;
}

/** What `onEpochEnd` learns about a finished epoch. */
export interface EpochEnd {
  epoch: number;
  logs: EpochLogs;
  /** val_loss is the best so far: the caller checkpoints the model now */
  improved: boolean;
  /** to save for `--resume`, with the model's and optimizer's weights as they are now */
  progress: TrainProgress;
  /** training stops after this epoch (early stopping or the last epoch) */
  last: boolean;
}

export interface TrainOptions {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** the fit rows; each `iterator()` starts a new epoch (and draws its shuffle from `rng`) */
  train: tf.data.Dataset<ImageBatch>;
  trainBatches: number;
  /** the held-out rows, evaluated after each epoch */
  valid: tf.data.Dataset<ImageBatch>;
  /** shared with `train`'s shuffle; also draws the dropout masks' seeds */
  rng: Rng;
  epochs: number;
  patience: number;
  /** stops at the next batch boundary; the epoch in progress is dropped */
  signal?: AbortSignal;
  /** continue after this (model and optimizer weights already restored by the caller) */
  resume?: TrainProgress;
  /**
   * the settings of 0-based step `step` of the run (epoch e's batch b is step (e - 1) x
   * trainBatches + b): a schedule's learning rate, weight decay, label smoothing; none: the
   * optimizer's own learning rate, as the study trains
   */
  stepSettings?: (step: number) => StepSettings;
  /** runs the steps and validation (default: `inProcessRunner(model, optimizer)`) */
  runner?: StepRunner;
  onEpochStart?(epoch: number, batches: number): void;
  onBatchEnd?(batch: number, batches: number): void;
  onEpochEnd?(end: EpochEnd): Promise<void>;
}

export interface TrainResult {
  progress: TrainProgress;
  stoppedEarly: boolean;
  /** `signal` fired: `progress` is the last finished epoch */
  interrupted: boolean;
}

/** A history with no epoch yet. */
export const emptyHistory = (): History => ({ epoch: [], loss: [], accuracy: [], val_loss: [], val_accuracy: [], seconds: [] });


/**
 * Lets timers and signal handlers run. Each step is synchronous and the dataset's promises are
 * microtasks, so without this a SIGINT would only be seen when the epoch's files are written.
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The epoch loop (Keras `fit` semantics: shuffle each epoch, Adam updates per batch, then
 * validation, checkpoint on the best val_loss, early stopping with `patience`). It knows no
 * files: the caller saves checkpoints and resume state from `onEpochEnd`.
 */
export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  const { model, optimizer, rng, signal } = opts;
  let progress: TrainProgress = opts.resume ?? {
    epochsDone: 0,
    history: emptyHistory(),
    earlyStopping: INITIAL_EARLY_STOPPING,
    rngState: rng.state(),
  };
  if (progress.earlyStopping.wait >= opts.patience) return { progress, stoppedEarly: true, interrupted: false };
  const seedsPerStep = dropoutLayerCount(model);
  const runner = opts.runner ?? inProcessRunner(model, optimizer);
  for (let epoch = progress.epochsDone + 1; epoch <= opts.epochs; epoch++) {
    opts.onEpochStart?.(epoch, opts.trainBatches);
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    let count = 0;
    let batchIndex = 0;
    const iterator = await opts.train.iterator();
    for (let next = await iterator.next(); !next.done; ) {
      await yieldToEventLoop();
      if (signal?.aborted) return { progress, stoppedEarly: false, interrupted: true };
      const seeds = Array.from({ length: seedsPerStep }, () => rng.int(SEED_RANGE));
      const settings = opts.stepSettings?.((epoch - 1) * opts.trainBatches + batchIndex);
      // A runner with worker threads leaves this one idle: build the next batch meanwhile.
      const [step, following] = await Promise.all([runner.step(next.value, seeds, settings), iterator.next()]);
      lossSum += step.loss * step.count;
      correct += step.correct;
      count += step.count;
      opts.onBatchEnd?.(++batchIndex, opts.trainBatches);
      next = following;
    }
    if (signal?.aborted) return { progress, stoppedEarly: false, interrupted: true };
    await runner.sync();
    const val = await runner.evaluate(opts.valid);
    const logs: EpochLogs = {
      loss: lossSum / count,
      accuracy: correct / count,
      val_loss: val.loss,
      val_accuracy: val.accuracy,
      seconds: (performance.now() - started) / 1000,
    };
    const seen = observeValLoss(progress.earlyStopping, epoch, logs.val_loss, opts.patience);
    progress = {
      epochsDone: epoch,
      history: appendEpoch(progress.history, epoch, logs),
      earlyStopping: seen.state,
      rngState: rng.state(),
    };
    const last = seen.stop || epoch === opts.epochs;
    await opts.onEpochEnd?.({ epoch, logs, improved: seen.improved, progress, last });
    if (seen.stop) return { progress, stoppedEarly: true, interrupted: false };
  }
  return { progress, stoppedEarly: false, interrupted: false };
}

function appendEpoch(h: History, epoch: number, logs: EpochLogs): History {
  return {
    epoch: [...h.epoch, epoch],
    loss: [...h.loss, logs.loss],
    accuracy: [...h.accuracy, logs.accuracy],
    val_loss: [...h.val_loss, logs.val_loss],
    val_accuracy: [...h.val_accuracy, logs.val_accuracy],
    seconds: [...h.seconds, logs.seconds],
  };
}
