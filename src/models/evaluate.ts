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
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  const iterator = await dataset.iterator();
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    const batch = next.value;
    const [loss, right] = tf.tidy(() => {
      const { xs, ys } = batchTensors(model, batch);
      const probs = model.predict(xs, { batchSize: batch.count }) as tf.Tensor;
      return [meanCrossEntropy(ys, probs), tf.sum(tf.metrics.categoricalAccuracy(ys, probs))];
    });
    lossSum += loss.dataSync()[0]! * batch.count;
    correct += right.dataSync()[0]!;
    count += batch.count;
    tf.dispose([loss, right]);
  }
  return { loss: lossSum / count, accuracy: correct / count, count };
}
