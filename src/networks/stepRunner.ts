import type { ImageBatch } from '../dataset.js';
import { evaluateDataset, type Evaluation } from './evaluate.js';
import type { StepSettings } from './schedule.js';
import { trainStep, type BatchGradients } from './step.js';
import type { tf } from '../tfjs/tf.js';

/** One training step's figures: the batch's mean loss, right answers (training mode) and size. */
export type StepFigures = Omit<BatchGradients, 'grads'>;

/**
 * How `trainModel` runs the work of an epoch: each batch's update and the validation after it.
 * `inProcessRunner` does both in this thread on the model itself; `createDataParallelRunner`
 * (parallel/dataParallelRunner.ts) splits them over worker threads.
 */
export interface StepRunner {
  /**
   * One optimizer update from the whole `batch`; `dropoutSeeds` has one seed per Dropout layer;
   * `settings`, where given, are this step's learning rate, weight decay and label smoothing.
   */
  step(batch: ImageBatch, dropoutSeeds: readonly number[], settings?: StepSettings): Promise<StepFigures>;
  /**
   * Makes the caller's model and optimizer hold the state after the last step. Called at the
   * end of each epoch, before validation and before the caller checkpoints them.
   */
  sync(): Promise<void>;
  /** Loss and accuracy of the weights after the last step over `dataset`, in inference mode. */
  evaluate(dataset: tf.data.Dataset<ImageBatch>): Promise<Evaluation>;
}

/** Today's single-thread training: `trainStep` and `evaluateDataset` on `model` itself. */
export function inProcessRunner(model: tf.LayersModel, optimizer: tf.Optimizer): StepRunner {
  return {
    step: async (batch, seeds, settings) => trainStep(model, optimizer, batch, seeds, settings),
    sync: async () => {},
    evaluate: (dataset) => evaluateDataset(model, dataset),
  };
}
