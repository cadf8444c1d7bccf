import { tf } from '../tfjs/tf.js';

/**
 * Where a model's weights sit in one flat Float32Array, in `model.weights` order: the trainable
 * ones first (`model.trainableWeights`, which is also the order of their gradients), then the
 * non-trainable ones (BatchNorm's moving means and variances). Replicas of one architecture in
 * other threads get the same layout, whatever their variables are named.
 */
export interface FlatLayout {
  shapes: number[][];
  /** where each weight starts */
  offsets: number[];
  /** how many weights are trainable (they come first) */
  trainableCount: number;
  /** floats of the trainable weights: the gradient's length, and where the others start */
  trainableFloats: number;
  /** floats of all weights */
  totalFloats: number;
}

const shapeSize = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The flat layout of `model`'s weights. */
export function flatLayout(model: tf.LayersModel): FlatLayout {
  const shapes = model.weights.map((w) => w.shape as number[]);
  const offsets: number[] = [];
  let total = 0;
  for (const shape of shapes) {
    offsets.push(total);
    total += shapeSize(shape);
  }
  const trainableCount = model.trainableWeights.length;
  return { shapes, offsets, trainableCount, trainableFloats: offsets[trainableCount] ?? total, totalFloats: total };
}

/** Copies every weight of `model` into `into`, laid out by `layout`. */
export function readFlatWeights(model: tf.LayersModel, layout: FlatLayout, into: Float32Array): void {
  model.weights.forEach((w, i) => into.set(w.read().dataSync() as Float32Array, layout.offsets[i]));
}

/** Sets every weight of `model` from `from` (laid out by `layout`); copies, so `from` may change afterwards. */
export function writeFlatWeights(model: tf.LayersModel, layout: FlatLayout, from: Float32Array): void {
  const tensors = layout.shapes.map((shape, i) => {
    const start = layout.offsets[i]!;
    // slice: the cpu backend would keep a view of `from` as the tensor's data
    return tf.tensor(from.slice(start, start + shapeSize(shape)), shape);
  });
  model.setWeights(tensors);
  // setWeights assigns the tensors' data to the variables (reference-counted): free ours.
  tf.dispose(tensors);
}

/** A readable summary of the layout's shapes, to tell two architectures apart in a message. */
export const describeLayout = (layout: FlatLayout) => layout.shapes.map((s) => s.join('x')).join(',');
