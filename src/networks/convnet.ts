import { tf } from '../tfjs/tf.js';
import { IMAGE_SIZE_PX, NUM_CLASSES } from '../dataset.js';
import { batchNormalization } from '../tfjs/layers/batchNormTraining.js';
import { conv2d } from '../tfjs/layers/conv2d.js';
import { glorotUniformFor } from './init.js';

/**
 * Filters of each 3x3 convolution, stage by stage, with a 2x2 max pooling between stages:
 * 28x28, then 14x14, 7x7 and 3x3. See README "A better network" for the arithmetic behind the
 * widths: the 3x3 stage gives depth for little arithmetic, paid for by a narrower 7x7 stage.
 */
export const CONVNET_STAGES: readonly (readonly number[])[] = [[32], [48], [80, 80], [160]];
/** PyTorch's BatchNorm defaults (momentum 0.1 in its convention, Keras's 0.9): a short run's moving statistics settle within an epoch. */
export const CONVNET_BATCH_NORM = { momentum: 0.9, epsilon: 1e-5 } as const;

export interface ConvnetOptions {
  seed: number;
  /** filters per convolution, per stage; tests pass tiny ones (default CONVNET_STAGES) */
  stages?: readonly (readonly number[])[];
}

/**
 * The modern network: stages of [Conv2D 3x3 'same' relu -> BatchNorm], a 2x2 max pooling
 * between stages, then global average pooling (no dense head: one value per filter) and
 * Dense 10 softmax. Input: [batch, 28, 28, 1].
 */
export function buildConvnet(opts: ConvnetOptions): tf.Sequential {
  const stages = opts.stages ?? CONVNET_STAGES;
  const model = tf.sequential({ name: 'convnet' });
  let index = 0;
  stages.forEach((filters, stage) => {
    if (stage > 0) model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    for (const n of filters) {
      model.add(
        conv2d({
          ...(index === 0 ? { inputShape: [IMAGE_SIZE_PX, IMAGE_SIZE_PX, 1] } : {}),
          filters: n,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: glorotUniformFor(opts.seed, index++),
        }),
      );
      model.add(batchNormalization(CONVNET_BATCH_NORM));
    }
  });
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: glorotUniformFor(opts.seed, index) }));
  return model;
}

/**
 * Multiply-adds of one image's forward pass through `stages` (convolutions and the final
 * dense layer; BatchNorm, pooling and activations are a few per value and left out).
 */
export function convnetMultiplyAdds(stages: readonly (readonly number[])[] = CONVNET_STAGES): number {
  let side = IMAGE_SIZE_PX;
  let channels = 1;
  let total = 0;
  stages.forEach((filters, stage) => {
    if (stage > 0) side = Math.floor(side / 2);
    for (const n of filters) {
      total += side * side * 9 * channels * n;
      channels = n;
    }
  });
  return total + channels * NUM_CLASSES;
}
