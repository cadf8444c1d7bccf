/**
 * Gradient of Mean as a broadcast. tfjs-core's multiplies dy by `ones(x.shape)` and divides by
 * the count: for a BatchNormalization's moments at batch 500 that allocates and uploads a
 * 100 MB array of ones in JavaScript, then makes two full passes. Broadcasting dy / count
 * (a Tile, which the project's wasm kernel does with memory copies) gives the same values.
 */
import { tf } from '../tf.js';

/** Replaces tfjs-core's Mean gradient; same inputs saved, same result. */
export const meanGradConfig: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis ?? x.shape.map((_, i) => i), x.shape);
    const expanded = x.shape.map((s, i) => (axes.includes(i) ? 1 : s));
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, expanded), count), x.shape) };
  },
};
