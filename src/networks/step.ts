import type { ImageBatch } from '../dataset.js';
import { NUM_CLASSES } from '../dataset.js';
import type { StepSettings } from './schedule.js';
import { tf } from '../tfjs/tf.js';

/** Gradients of one (part of a) batch, plus the sums needed for the epoch's loss and accuracy. */
export interface BatchGradients {
  /** one gradient per trainable variable, keyed by variable name; the caller owns the tensors */
  grads: tf.NamedTensorMap;
  /** mean loss over the batch */
  loss: number;
  /** images classified right (training mode: with dropout, batch statistics) */
  correct: number;
  count: number;
}

/**
 * The batch as the model's input shape ([n, 28, 28] or [n, 28, 28, 1]) and one-hot labels,
 * smoothed by `labelSmoothing` (Keras's label_smoothing: y * (1 - s) + s / classes).
 */
export function batchTensors(model: tf.LayersModel, batch: ImageBatch, labelSmoothing = 0): { xs: tf.Tensor; ys: tf.Tensor2D } {
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), NUM_CLASSES).toFloat() as tf.Tensor2D;
    return {
      xs: tf.tensor(batch.pixels, [batch.count, ...inputShape]),
      ys: labelSmoothing > 0 ? oneHot.mul(1 - labelSmoothing).add(labelSmoothing / NUM_CLASSES) : oneHot,
    };
  });
}

/** Keras's categorical cross-entropy of predicted probabilities, averaged over the batch. */
export function meanCrossEntropy(ys: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.mean(tf.metrics.categoricalCrossentropy(ys, probs)) as tf.Scalar;
}

/**
 * Seeds every Dropout layer for one call, then clears the seeds again so that saved configs
 * stay as built. tfjs draws unseeded masks from Math.random; seeding them from the run's RNG
 * makes a run (and a resumed run) reproducible.
 */
function withDropoutSeeds<T>(model: tf.LayersModel, seeds: readonly number[], fn: () => T): T {
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as { seed?: number }[];
  dropouts.forEach((layer, i) => (layer.seed = seeds[i % Math.max(1, seeds.length)]));
  try {
    return fn();
  } finally {
    dropouts.forEach((layer) => (layer.seed = undefined));
  }
}

/** How many dropout seeds one step of `model` draws. */
export function dropoutLayerCount(model: tf.LayersModel): number {
  return model.layers.filter((l) => l.getClassName() === 'Dropout').length;
}

/**
 * The data-parallel seam: forward and backward pass of `batch` in training mode (Dropout on,
 * BatchNorm on batch statistics, which also moves its moving mean and variance as `fit` does),
 * returning gradients instead of applying them. Workers holding a replica can each run this on
 * part of a batch; the gradients, averaged by image count, then go to `applyGradients` once.
 */
export function computeGradients(model: tf.LayersModel, batch: ImageBatch, dropoutSeeds: readonly number[], labelSmoothing = 0): BatchGradients {
  const { xs, ys } = batchTensors(model, batch, labelSmoothing);
  let correct: tf.Scalar | undefined;
  try {
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = withDropoutSeeds(model, dropoutSeeds, () =>
      tf.variableGrads(() => {
        const probs = model.apply(xs, { training: true }) as tf.Tensor;
        correct = tf.keep(tf.sum(tf.metrics.categoricalAccuracy(ys, probs)) as tf.Scalar);
        return meanCrossEntropy(ys, probs);
      }, variables),
    );
    const loss = value.dataSync()[0]!;
    value.dispose();
    return { grads, loss, correct: correct!.dataSync()[0]!, count: batch.count };
  } finally {
    tf.dispose([xs, ys, correct]);
  }
}

/** One optimizer update from `grads`; disposes them. */
export function applyGradients(optimizer: tf.Optimizer, grads: tf.NamedTensorMap): void {
  try {
    optimizer.applyGradients(grads);
  } finally {
    tf.dispose(grads);
  }
}

/**
 * Sets the learning rate the optimizer's next update uses (tfjs's optimizers read their
 * `learningRate` field at each update and have no setter).
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/**
 * AdamW's decoupled weight decay (PyTorch's AdamW, every trainable weight): each weight times
 * 1 - learningRate * weightDecay, before the update. tfjs has no AdamW.
 */
export function decayWeights(model: tf.LayersModel, learningRate: number, weightDecay: number): void {
  const keep = 1 - learningRate * weightDecay;
  for (const w of model.trainableWeights) {
    const variable = w.read() as tf.Variable;
    variable.assign(tf.tidy(() => variable.mul(keep)));
  }
}

/**
 * One training step on a whole batch: gradients, then one update; with `settings`, at their
 * learning rate, weight decay and label smoothing (else the optimizer's own rate, as the study).
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: ImageBatch,
  dropoutSeeds: readonly number[],
  settings?: StepSettings,
): Omit<BatchGradients, 'grads'> {
  const { grads, ...metrics } = computeGradients(model, batch, dropoutSeeds, settings?.labelSmoothing);
  if (settings) {
    setLearningRate(optimizer, settings.learningRate);
    if (settings.weightDecay > 0) decayWeights(model, settings.learningRate, settings.weightDecay);
  }
  applyGradients(optimizer, grads);
  return metrics;
}
