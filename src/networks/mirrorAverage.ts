import { IMAGE_SIZE_PX } from '../dataset.js';
import { tf } from '../tfjs/tf.js';

/**
 * Test-time flips for a network trained on flipped images: the model averages its predicted
 * probabilities for an image and for the image mirrored left to right. Fashion-MNIST's classes
 * do not change in a mirror, so the two views are two honest guesses about the same item.
 *
 * The mirror is built from stock layers, so the saved model stays a standard TensorFlow.js
 * Layers model that `tf.loadLayersModel` reads anywhere (the page included): Reshape to
 * [28, 28], a Dense layer whose kernel is the anti-identity (column c of the output is column
 * 27 - c of the input; exact, each output is one input times 1), Reshape back. The trunk is
 * one nested model applied to both views, so its weights are stored once.
 */

const LAYER = { flat: 'mirror_rows', mirror: 'mirror', image: 'mirror_image', average: 'mirror_average' } as const;

/** `trunk` (input [n, 28, 28, 1], softmax output) wrapped to average over each image and its mirror. */
export function withMirrorAverage(trunk: tf.LayersModel): tf.LayersModel {
  const input = tf.input({ shape: [IMAGE_SIZE_PX, IMAGE_SIZE_PX, 1], name: 'image' });
  const rows = tf.layers.reshape({ targetShape: [IMAGE_SIZE_PX, IMAGE_SIZE_PX], name: LAYER.flat }).apply(input);
  const mirror = tf.layers.dense({ units: IMAGE_SIZE_PX, useBias: false, trainable: false, name: LAYER.mirror });
  const mirrored = tf.layers.reshape({ targetShape: [IMAGE_SIZE_PX, IMAGE_SIZE_PX, 1], name: LAYER.image }).apply(mirror.apply(rows));
  // set once built (a `weights` option would be read at build time, so it could not be freed here)
  const antiIdentity = antiIdentityMatrix();
  mirror.setWeights([antiIdentity]);
  antiIdentity.dispose();
  const views = [trunk.apply(input), trunk.apply(mirrored)] as tf.SymbolicTensor[];
  const output = tf.layers.average({ name: LAYER.average }).apply(views) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: `${trunk.name}_mirror_average` });
}

/**
 * The trunk of a model built by `withMirrorAverage` (as loaded from disk too), or undefined for
 * any other model. The mirror's kernel is checked, not only the layer names, so a plan built on
 * the trunk computes what the model does.
 */
export function mirrorAveragedTrunk(model: tf.LayersModel): tf.LayersModel | undefined {
  // the input, the four named layers and the trunk
  if (model.layers.length !== 6) return undefined;
  const names = new Set(model.layers.map((l) => l.name));
  const trunk = model.layers.find((l): l is tf.LayersModel => l instanceof tf.LayersModel);
  if (!trunk || !Object.values(LAYER).every((n) => names.has(n))) return undefined;
  const [kernel] = model.getLayer(LAYER.mirror).getWeights();
  const exact = tf.tidy(() => kernel !== undefined && tf.equal(kernel, antiIdentityMatrix()).all().dataSync()[0] === 1);
  return exact ? trunk : undefined;
}

/** The 28x28 matrix with ones on its anti-diagonal: x times it reverses x's columns. */
const antiIdentityMatrix = () => tf.tidy(() => tf.reverse(tf.eye(IMAGE_SIZE_PX), 1));

/** A forward pass of the trunk turned into the mirror-averaged one: both views in one batch of 2n, then the mean of the halves. */
export function mirrorAveraged(trunk: { run(x: tf.Tensor): tf.Tensor }): (x: tf.Tensor) => tf.Tensor {
  return (x) =>
    tf.tidy(() => {
      const n = x.shape[0]!;
      const both = trunk.run(tf.concat([x, tf.reverse(x, 2)], 0));
      const [plain, mirrored] = tf.split(both, [n, n], 0);
      return tf.mul(tf.add(plain!, mirrored!), 0.5);
    });
}
