import { dropout } from '../tfjs/layers/dropout.js';
import { tf } from '../tfjs/tf.js';
import { IMAGE_SIZE_PX, NUM_CLASSES } from '../dataset.js';
import { glorotUniformFor } from './init.js';

/** The study's hidden layers, each Dense relu followed by Dropout 0.2. */
export const MLP_HIDDEN_UNITS = [1000, 800, 500, 300, 200, 100] as const;
/** The study's last hidden layer, without dropout. */
export const MLP_BOTTLENECK_UNITS = 50;
export const MLP_DROPOUT_RATE = 0.2;

export interface MlpOptions {
  seed: number;
  /** hidden widths before the bottleneck; tests pass tiny ones (default: the study's) */
  hiddenUnits?: readonly number[];
  bottleneckUnits?: number;
}

/**
 * The study's MLP: Flatten 784 -> Dense 1000, 800, 500, 300, 200, 100 (relu, Dropout 0.2 after
 * each) -> Dense 50 relu -> Dense 10 softmax; 2,222,460 parameters. Input: [batch, 28, 28].
 */
export function buildMlp(opts: MlpOptions): tf.Sequential {
  const hidden = opts.hiddenUnits ?? MLP_HIDDEN_UNITS;
  const model = tf.sequential({ name: 'mlp' });
  model.add(tf.layers.flatten({ inputShape: [IMAGE_SIZE_PX, IMAGE_SIZE_PX] }));
  let index = 0;
  for (const units of hidden) {
    model.add(tf.layers.dense({ units, activation: 'relu', kernelInitializer: glorotUniformFor(opts.seed, index++) }));
    model.add(dropout({ rate: MLP_DROPOUT_RATE }));
  }
  const bottleneck = opts.bottleneckUnits ?? MLP_BOTTLENECK_UNITS;
  model.add(tf.layers.dense({ units: bottleneck, activation: 'relu', kernelInitializer: glorotUniformFor(opts.seed, index++) }));
  model.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: glorotUniformFor(opts.seed, index) }));
  return model;
}
