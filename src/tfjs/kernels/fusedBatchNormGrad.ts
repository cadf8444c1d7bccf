/**
 * Gradient of FusedBatchNorm (tf.batchNorm, which BatchNormalization layers call) with per-
 * channel statistics, written to pass over the activation 5 times instead of ~14: tfjs-core's
 * tiles 1/sqrt(variance) to the activation's shape, recomputes x - mean and dy * scale for
 * each input, and sums dy twice. The sums of dy and of dy * (x - mean) are computed once and
 * shared. On wasm, the project's fused kernel (batchNormGradStats.ts) makes those passes one.
 * Other statistics shapes keep tfjs-core's gradient.
 */
import { tf } from '../tf.js';
import { BATCH_NORM_GRAD_STATS, canFuseBatchNormGrad } from './batchNormGradStats.js';
import { tookPath } from './kernelPaths.js';

/**
 * Builds the replacement; `fallback` is tfjs-core's gradient, used when mean is not a
 * per-channel vector.
 */
export function fusedBatchNormGradConfig(fallback: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dyOrList, saved, attrs) => {
      // Always 4 tensors: tfjs cannot record a batchNorm without a scale for gradients.
      const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      if (mean.rank !== 1) {
        tookPath('FusedBatchNorm gradient', 'stock gradient');
        return fallback.gradFunc(dyOrList, saved, attrs);
      }
      const dy = dyOrList as tf.Tensor;
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      const axes = tf.broadcast_util.getReductionAxes(mean.shape, x.shape);
      const invStd = tf.rsqrt(tf.add(variance, varianceEpsilon));
      const scaleInvStd = tf.mul(scale, invStd);
      // The two reductions every statistic's gradient needs, and dx's product.
      const fused = canFuseBatchNormGrad(x, mean, scaleInvStd);
      tookPath('FusedBatchNorm gradient', fused ? BATCH_NORM_GRAD_STATS : 'closed form, separate reductions');
      const [dx, sumDy, sumDyCentered] = fused
        ? (tf.engine().runKernel(BATCH_NORM_GRAD_STATS, { dy, x, mean, scaleInvStd }, {}) as tf.Tensor[])
        : [undefined, tf.sum(dy, axes), tf.tidy(() => tf.sum(tf.mul(dy, tf.sub(x, mean)), axes))];
      return {
        x: () => dx ?? tf.mul(dy, scaleInvStd),
        mean: () => tf.reshape(tf.neg(tf.mul(sumDy, scaleInvStd)), mean.shape),
        variance: () => tf.reshape(tf.mul(tf.mul(sumDyCentered, scale), tf.mul(tf.pow(invStd, 3), -0.5)), mean.shape),
        scale: () => tf.reshape(tf.mul(sumDyCentered, invStd), mean.shape),
        offset: () => tf.reshape(sumDy, mean.shape),
      };
    },
  };
}
