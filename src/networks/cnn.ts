import { dropout } from '../tfjs/layers/dropout.js';
import { tf } from '../tfjs/tf.js';
import { IMAGE_SIZE_PX, NUM_CLASSES } from '../dataset.js';
import { batchNormalization } from '../tfjs/layers/batchNormTraining.js';
import { conv2d } from '../tfjs/layers/conv2d.js';
import { glorotUniformFor } from './init.js';

/** Filters of the study's four convolution blocks. */
export const CNN_BLOCK_FILTERS = [64, 64, 128, 128] as const;
/** The study's dense head before the softmax. */
export const CNN_DENSE_UNITS = [1024, 512, 256] as const;
export const CNN_KERNEL_PX = 2;
export const CNN_BLOCK_DROPOUT = 0.3;
export const CNN_HEAD_DROPOUT = 0.5;
/** Keras BatchNormalization defaults, kept as the study used them (see docs/ARCHITECTURE.md, "What the code relies on"). */
export const BATCH_NORM_MOMENTUM = 0.99;
export const BATCH_NORM_EPSILON = 1e-3;

export interface CnnOptions {
  seed: number;
  /** filters per block; tests pass tiny ones (default: the study's) */
  blockFilters?: readonly number[];
  denseUnits?: readonly number[];
}

/**
 * The study's CNN: 4 x [Conv2D k=2 'same' relu -> BatchNorm -> MaxPool 2 -> Dropout 0.3] ->
 * Flatten -> Dense 1024, 512, 256 relu -> Dropout 0.5 -> Dense 10 softmax; 907,658 parameters
 * of which 768 (the moving means and variances) are not trainable. Input: [batch, 28, 28, 1].
 */
export function buildCnn(opts: CnnOptions): tf.Sequential {
  const filters = opts.blockFilters ?? CNN_BLOCK_FILTERS;
  const model = tf.sequential({ name: 'cnn' });
  let index = 0;
  filters.forEach((n, block) => {
    model.add(
      conv2d({
        ...(block === 0 ? { inputShape: [IMAGE_SIZE_PX, IMAGE_SIZE_PX, 1] } : {}),
        filters: n,
        kernelSize: CNN_KERNEL_PX,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: glorotUniformFor(opts.seed, index++),
      }),
    );
    model.add(batchNormalization({ momentum: BATCH_NORM_MOMENTUM, epsilon: BATCH_NORM_EPSILON }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(dropout({ rate: CNN_BLOCK_DROPOUT }));
  });
  model.add(tf.layers.flatten());
  for (const units of opts.denseUnits ?? CNN_DENSE_UNITS) {
    model.add(tf.layers.dense({ units, activation: 'relu', kernelInitializer: glorotUniformFor(opts.seed, index++) }));
  }
  model.add(dropout({ rate: CNN_HEAD_DROPOUT }));
  model.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: glorotUniformFor(opts.seed, index) }));
  return model;
}
