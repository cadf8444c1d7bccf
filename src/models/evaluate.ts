import type { ImageBatch } from '../operators/batchImages.js';
import { batchTensors, meanCrossEntropy } from './step.js';
import { tf } from './tf.js';

/** Loss and accuracy of a model in inference mode over a whole dataset. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

/**
 * Evaluates `model` on every batch of `dataset` (Dropout off, BatchNorm on its moving
 * statistics), as Keras does for `validation_split` and `evaluate`.
 */
export async function evaluateDataset(model: tf.LayersModel, dataset: tf.data.Dataset<ImageBatch>): Promise<Evaluation> {
  const parts: BatchEvaluation[] = [];
  const iterator = await dataset.iterator();
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) parts.push(evaluateBatch(model, next.value));
  return combineEvaluations(parts);
}

/** One batch's figures: its mean loss and how many images were classified right. */
export interface BatchEvaluation {
  loss: number;
  correct: number;
  count: number;
}

/** Loss and right answers of `model` in inference mode on one batch. */
export function evaluateBatch(model: tf.LayersModel, batch: ImageBatch): BatchEvaluation {
  const [loss, right] = tf.tidy(() => {
    const { xs, ys } = batchTensors(model, batch);
    const probs = model.predict(xs, { batchSize: batch.count }) as tf.Tensor;
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
