/**
 * BatchNormalization in training mode (batch statistics) as one differentiable op, and a
 * BatchNormalization layer that uses it. tfjs-layers composes the training pass from
 * tf.moments and tf.batchNorm, so autodiff makes about a dozen full-size passes over the
 * activation (Mean, Sub, Square, their gradients, Tile, the Adds joining three paths into dx):
 * a large part of a CNN step on wasm (bench/RESULTS.md). Here the forward pass is two reads
 * for the statistics and one affine pass, and the gradient is the closed form
 *   dx = a * dy + b * (x - mean) + c,  a = gamma * r,  b = -gamma * r^3 * sum(dy * (x - mean)) / n,
 *   c = -a * sum(dy) / n,  r = 1 / sqrt(variance + epsilon),
 *   dgamma = r * sum(dy * (x - mean)),  dbeta = sum(dy),
 * in two passes (the sums, then dx), with the project's wasm kernels. The values are those of
 * the stock layer up to float rounding; the moving statistics move exactly as tfjs-layers
 * moves them. Where the kernels cannot run (another backend, the stock kernels restored, a
 * channel count not a multiple of 4) the layer is the stock one.
 */
import { BATCH_NORM_GRAD_STATS } from '../kernels/batchNormGradStats.js';
import { BATCH_NORM_INPUT_GRAD, CHANNEL_MOMENTS, canUseBatchNormTrainingKernels } from '../kernels/batchNormTraining.js';
import { once, registerLayerClass, stockLayerClass } from './layerClasses.js';
import { tf } from '../tf.js';
import { tookPath } from '../kernels/kernelPaths.js';

/** The batch-normalized activation, and the batch statistics it used (the caller disposes them). */
export interface BatchNormTraining {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Normalizes `x` with its own per-channel (last axis) batch statistics, then scales by gamma
 * and shifts by beta; differentiable in x, gamma and beta. Needs `canUseBatchNormTrainingKernels(x)`.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTraining {
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const [mean, variance] = tf.engine().runKernel(CHANNEL_MOMENTS, { x: input }, {}) as [tf.Tensor1D, tf.Tensor1D];
    const y = tf.batchNorm(input, mean, variance, offset, scale, epsilon);
    save([input, mean, variance, scale]);
    // kept: the forward pass's tidy would free them, and the layer moves its statistics with them
    stats = [tf.keep(mean), tf.keep(variance)];
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradients(dy as tf.Tensor, saved, epsilon) };
  });
  const y = op(x, gamma, beta) as tf.Tensor;
  return { y, mean: stats![0], variance: stats![1] };
}

function gradients(dy: tf.Tensor, saved: tf.Tensor[], epsilon: number): tf.Tensor[] {
  const [x, mean, variance, gamma] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  const n = x.size / mean.size;
  return tf.tidy(() => {
    const r = tf.rsqrt(tf.add(variance, epsilon));
    const a = tf.mul(gamma, r);
    // dx0 = a * dy, with the two sums every term needs, in one pass
    const [dx0, sumDy, sumDyCentered] = tf.engine().runKernel(BATCH_NORM_GRAD_STATS, { dy, x, mean, scaleInvStd: a }, {}) as tf.Tensor1D[];
    const b = tf.mul(tf.mul(a, tf.square(r)), tf.mul(sumDyCentered!, -1 / n));
    const c = tf.mul(a, tf.mul(sumDy!, -1 / n));
    const dx = tf.engine().runKernel(BATCH_NORM_INPUT_GRAD, { dx0: dx0!, x, mean, b, c }, {}) as tf.Tensor;
    return [dx, tf.mul(sumDyCentered!, r), sumDy!];
  });
}

/** The members of tfjs-layers' BatchNormalization this module reads. */
interface BatchNormalizationLayer extends tf.layers.Layer {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;
  readonly movingMean: tf.LayerVariable;
  readonly movingVariance: tf.LayerVariable;
}
type BatchNormalizationArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type BatchNormalizationClass = (new (args?: BatchNormalizationArgs) => BatchNormalizationLayer) & { className: string };

const stockBatchNormalization = once(() => stockLayerClass<BatchNormalizationClass>(() => tf.layers.batchNormalization({})));

/** The stock BatchNormalization whose training pass is `batchNormTraining` where the kernels can run. */
const fastBatchNormalization = once((): BatchNormalizationClass => class FastBatchNormalization extends stockBatchNormalization() {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const lastAxis = this.axis === -1 || this.axis === x.rank - 1;
    const fast = kwargs.training === true && lastAxis && this.center && this.scale && canUseBatchNormTrainingKernels(x);
    if (kwargs.training === true) tookPath('BatchNormalization layer, training', fast ? 'two-read statistics, closed-form gradient' : 'stock layer');
    if (!fast) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(x, this.gamma.read() as tf.Tensor1D, this.beta.read() as tf.Tensor1D, this.epsilon);
      moveTowards(this.movingMean, mean, this.momentum);
      moveTowards(this.movingVariance, variance, this.momentum);
      tf.dispose([mean, variance]);
      return y;
    });
  }
});

/** tfjs-layers' moving-average update, operation for operation: v - (v - value) * (1 - momentum). */
function moveTowards(variable: tf.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
  });
}

/** A BatchNormalization layer (`tf.layers.batchNormalization`'s arguments) with the fast training pass. */
export function batchNormalization(args: BatchNormalizationArgs): tf.layers.Layer {
  return new (fastBatchNormalization())(args);
}

/**
 * Makes deserialized models (the training threads' replicas, loaded checkpoints) use the fast
 * class for "BatchNormalization", or the stock one again (`fast` false).
 */
export function enableFastBatchNormalization(fast: boolean): void {
  registerLayerClass(fast ? fastBatchNormalization() : stockBatchNormalization());
}
