import { tf } from '../tfjs/tf.js';

/**
 * Keras's default kernel initializer (Glorot uniform), seeded per layer so that `--seed`
 * reproduces the initial weights; biases keep Keras's zeros. Layer `index` keeps seeds distinct.
 */
export function glorotUniformFor(seed: number, index: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: seed * 1000 + index });
}
