import type { ImageBatch } from '../dataset.js';
import { compileInference } from './inferencePlan.js';
import { batchTensors, meanCrossEntropy } from './step.js';
import { tf } from '../tfjs/tf.js';

/** Loss and accuracy of a model in inference mode over a whole dataset. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

/**
 * Images per batch when a whole set is evaluated or predicted (training keeps its own batch
 * size). See bench/_networks.ts (`--infer-batch`) for the measurement that chose it.
 */
export const INFERENCE_BATCH_SIZE = 500;

/** A run's inference batch size: its --batch-size when given (training's default is each network's own), else INFERENCE_BATCH_SIZE. */
export function inferenceBatchSize(config: { batchSize: number | undefined }): number {
  return config.batchSize ?? INFERENCE_BATCH_SIZE;
}

/** A model's forward pass in inference mode; `dispose` frees what it precomputed (not the model). */
export interface InferenceForward {
  run(x: tf.Tensor): tf.Tensor;
  dispose(): void;
}

/**
 * The fastest inference-mode forward pass of `model` as its weights are now: the compiled
 * plan (inferencePlan.ts) where there is one, else `predictOnBatch` (`predict` would cut the
 * batch into slices of 32). A plan keeps constants derived from the weights: compile again
 * after the weights change.
 */
export function inferenceForward(model: tf.LayersModel): InferenceForward {
  const plan = compileInference(model);
  return plan ?? { run: (x) => model.predictOnBatch(x) as tf.Tensor, dispose: () => undefined };
}

/**
 * Evaluates `model` on every batch of `dataset` (Dropout off, BatchNorm on its moving
 * statistics), as Keras does for `validation_split` and `evaluate`, in this thread; the
 * data-parallel runner's `evaluate` spreads the batches over its threads instead.
 */
export async function evaluateDataset(model: tf.LayersModel, dataset: tf.data.Dataset<ImageBatch>): Promise<Evaluation> {
  const forward = inferenceForward(model);
  try {
    const parts: BatchEvaluation[] = [];
    const iterator = await dataset.iterator();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) parts.push(evaluateBatch(model, next.value, forward));
    return combineEvaluations(parts);
  } finally {
    forward.dispose();
  }
}

/** One batch's figures: its mean loss and how many images were classified right. */
export interface BatchEvaluation {
  loss: number;
  correct: number;
  count: number;
}

/** Loss and right answers of `model` in inference mode on one batch, through `forward` (from `inferenceForward(model)`). */
export function evaluateBatch(model: tf.LayersModel, batch: ImageBatch, forward: InferenceForward): BatchEvaluation {
  const [loss, right] = tf.tidy(() => {
    const { xs, ys } = batchTensors(model, batch);
    const probs = forward.run(xs);
    return [meanCrossEntropy(ys, probs), tf.sum(tf.metrics.categoricalAccuracy(ys, probs))];
  });
  try {
    return { loss: loss.dataSync()[0]!, correct: right.dataSync()[0]!, count: batch.count };
  } finally {
    tf.dispose([loss, right]);
  }
}

/** The evaluation of the union of the batches `parts` were computed on (image-weighted means). */
export function combineEvaluations(parts: readonly BatchEvaluation[]): Evaluation {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (const part of parts) {
    lossSum += part.loss * part.count;
    correct += part.correct;
    count += part.count;
  }
  return { loss: lossSum / count, accuracy: correct / count, count };
}
